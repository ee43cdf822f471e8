/**
 * Wire types between the director and an agent, and the validators both sides apply to anything that
 * ends up in a `dcv` argv. The agent runs `dcv` as root, so every id, user name and config value is
 * checked against a strict charset here and again just before spawning (defence in depth).
 */
import { ApiError, badRequest } from '../errors.ts';

export type SessionType = 'console' | 'virtual';

/** What a session is, the same in memory and on the wire (the keys have no case to differ in). */
interface SessionBasics {
  id: string;
  owner: string;
  user?: string;
  name?: string;
  type: SessionType;
  status?: string;
}

/**
 * A DCV session as both programs hold it in memory (normalised from `dcv list-sessions --json`). On the
 * wire it travels in the kebab-case form, WireSession.
 */
export interface DcvSession extends SessionBasics {
  numOfConnections: number;
  /** ISO 8601 (UTC, millisecond precision after normalisation). */
  creationTime?: string;
  /** ISO 8601; null when the session never had a client disconnect. */
  lastDisconnectionTime?: string | null;
}

/**
 * A session on the agent wire (updates, GET /v1/sessions): the kebab-case keys `dcv list-sessions --json`
 * prints, as the specification and the public Go dcvix agent send them. Times are RFC 3339 or null,
 * never "" (Go's time decoding refuses an empty string).
 */
export interface WireSession extends SessionBasics {
  'num-of-connections': number;
  'creation-time': string | null;
  'last-disconnection-time': string | null;
}

/** The kebab-case wire form of a session. */
export function toWireSession(s: DcvSession): WireSession {
  return {
    id: s.id,
    owner: s.owner,
    ...(s.user ? { user: s.user } : {}),
    ...(s.name ? { name: s.name } : {}),
    type: s.type,
    ...(s.status ? { status: s.status } : {}),
    'num-of-connections': s.numOfConnections,
    'creation-time': s.creationTime ?? null,
    'last-disconnection-time': s.lastDisconnectionTime ?? null,
  };
}

/** System statistics, snake_case exactly as the specification's update example. Memory in bytes, cpu in percent. */
export interface AgentStats {
  hostname: string;
  free_memory: number;
  total_memory: number;
  cores: number;
  cpu_usage: number;
  load1: number;
  load5: number;
  load15: number;
}

/** POST /v1/agent/update as the director holds it once read (sessions normalised from the wire form). */
export interface AgentUpdate {
  sessions: DcvSession[];
  stats: AgentStats;
  tags: string[];
  agentPort?: number;
  version?: string;
  /** Set when `dcv list-sessions` failed: the sessions are the last known list. */
  dcvError?: string;
  /** The agent's dcv_timeout (ms), so the director can check it against its own time limit. */
  dcvTimeoutMs?: number;
}

/** Body of POST /v1/sessions (director -> agent). */
export interface CreateSessionRequest {
  userId: string;
  sessionType: SessionType;
  sessionId: string;
}

export interface ConfigEntry {
  section: string;
  key: string;
  value: string;
}

/** Body of POST /v1/config (director -> agent). */
export interface ConfigRequest {
  config: ConfigEntry[];
}

/** DCV-safe session id; never starts with '-' so it can not be read as an option. */
export const SESSION_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Windows owner as DCV on Windows reports it: `DOMAIN\\user` (NetBIOS domain, then the account name). */
export const WINDOWS_OWNER_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}\\[A-Za-z0-9_][A-Za-z0-9_. -]{0,63}$/;
/** POSIX-ish login name with an optional `@domain` (SSSD/AD style); ASCII only, no leading '-'. */
export const USER_NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}(@[A-Za-z0-9][A-Za-z0-9.-]{0,127})?$/;
/** dcv.conf section, e.g. `display` or `session-management/automatic-console-session`. */
export const CONFIG_SECTION_RE = /^[a-z][a-z0-9_-]{0,63}(\/[a-z][a-z0-9_-]{0,63}){0,3}$/;
/** dcv.conf key, e.g. `quality`, `auth-token-verifier`. */
export const CONFIG_KEY_RE = /^[a-z][a-z0-9_-]{0,63}$/;
export const CONFIG_VALUE_MAX = 1024;
export const CONFIG_ENTRIES_MAX = 64;
export const SESSION_NAME_MAX = 256;

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators.
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** True if `v` is a safe session id. */
export const isSessionId = (v: unknown): v is string => typeof v === 'string' && SESSION_ID_RE.test(v);
/** True if `v` is a safe login name. */
export const isUserName = (v: unknown): v is string => typeof v === 'string' && USER_NAME_RE.test(v);
/**
 * True if `v` may be a session owner reported by a host: a login name, or `DOMAIN\\user` from a Windows
 * host. Owners from updates only label sessions; they never reach a `dcv` argv on the director side.
 */
export const isSessionOwner = (v: unknown): v is string => isUserName(v) || (typeof v === 'string' && WINDOWS_OWNER_RE.test(v));
/** True if `v` is 'console' or 'virtual'. */
export const isSessionType = (v: unknown): v is SessionType => v === 'console' || v === 'virtual';

/**
 * True if `v` is a single-line argv token that can not be mistaken for an option: non-empty, at most
 * `max` characters, no control characters, no leading '-'.
 */
export function isSafeArg(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max && !v.startsWith('-') && !CONTROL_RE.test(v);
}

/**
 * True if `v` may be passed as a `dcv set-config` value: a typed literal such as `'debug'`, `(30,80)`,
 * `8443` or `true`. Negative numbers are refused because a leading '-' would read as an option.
 */
export const isConfigValue = (v: unknown): v is string => isSafeArg(v, CONFIG_VALUE_MAX);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a POST /v1/sessions body.
 * @throws ApiError 400 INVALID_BODY | INVALID_USER | INVALID_SESSION_TYPE | INVALID_SESSION_ID
 */
export function parseCreateSessionRequest(body: unknown): CreateSessionRequest {
  if (!isObject(body)) throw badRequest('INVALID_BODY', 'request body must be a JSON object');
  const { userId, sessionType, sessionId } = body;
  if (!isUserName(userId)) throw badRequest('INVALID_USER', 'userId must be a valid login name');
  if (!isSessionType(sessionType)) throw badRequest('INVALID_SESSION_TYPE', 'sessionType must be "console" or "virtual"');
  if (!isSessionId(sessionId)) {
    throw badRequest('INVALID_SESSION_ID', 'sessionId must be 1-64 characters of A-Z a-z 0-9 _ . - and not start with _ . -');
  }
  return { userId, sessionType, sessionId };
}

/**
 * Validates a POST /v1/config body. A number or boolean value is accepted and turned into its bare
 * literal; strings pass through unchanged (the caller supplies DCV's inner quotes, e.g. "'debug'").
 * @throws ApiError 400 INVALID_BODY | INVALID_CONFIG
 */
export function parseConfigRequest(body: unknown): ConfigRequest {
  if (!isObject(body) || !Array.isArray(body.config)) {
    throw badRequest('INVALID_BODY', 'request body must be {"config": [{"section","key","value"}]}');
  }
  const list = body.config;
  if (list.length === 0 || list.length > CONFIG_ENTRIES_MAX) {
    throw badRequest('INVALID_CONFIG', `config must hold 1 to ${CONFIG_ENTRIES_MAX} entries`);
  }
  return { config: list.map((entry, i) => parseConfigEntry(entry, i)) };
}

function parseConfigEntry(entry: unknown, i: number): ConfigEntry {
  const bad = (what: string): ApiError => badRequest('INVALID_CONFIG', `config[${i}]: ${what}`);
  if (!isObject(entry)) throw bad('must be an object');
  const { section, key } = entry;
  let value = entry.value;
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value === 'boolean') value = String(value);
  if (typeof section !== 'string' || !CONFIG_SECTION_RE.test(section)) throw bad('invalid section');
  if (typeof key !== 'string' || !CONFIG_KEY_RE.test(key)) throw bad('invalid key');
  if (!isConfigValue(value)) {
    throw bad(`value must be 1-${CONFIG_VALUE_MAX} characters, single line, not starting with '-'`);
  }
  return { section, key, value };
}
