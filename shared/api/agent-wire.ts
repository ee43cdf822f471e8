/**
 * The charset rules both sides apply to anything that ends up in a `dcv` argv, as predicates and as the
 * string models the wire models are built from (one rule each, the model's pattern is the predicate's
 * regex), plus the session and host figures both programs hold. The agent runs `dcv` as root, so every
 * id, user name and config value is checked here and again just before spawning (defence in depth).
 */
import { Type, type Static } from '@sinclair/typebox';
import { HostName } from './host-name.ts';

/** 'console' or 'virtual', exactly (a reported session's type is read in either case: see wire-session.ts). */
export const SessionType = Type.Union([Type.Literal('console'), Type.Literal('virtual')]);
export type SessionType = Static<typeof SessionType>;

/**
 * A DCV session as both programs hold it in memory (normalised from `dcv list-sessions --json`). On the
 * wire it travels in the kebab-case form, WireSession.
 */
export interface DcvSession {
  id: string;
  owner: string;
  user?: string;
  name?: string;
  type: SessionType;
  status?: string;
  numOfConnections: number;
  /** ISO 8601 (UTC, millisecond precision after normalisation). */
  creationTime?: string;
  /** ISO 8601; null when the session never had a client disconnect. */
  lastDisconnectionTime?: string | null;
}

/** DCV-safe session id; never starts with '-' so it can not be read as an option. */
export const SESSION_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Windows owner as DCV on Windows reports it: `DOMAIN\\user` (NetBIOS domain, then the account name). */
const WINDOWS_OWNER_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}\\[A-Za-z0-9_][A-Za-z0-9_. -]{0,63}$/;
/** POSIX-ish login name with an optional `@domain` (SSSD/AD style); ASCII only, no leading '-'. */
const USER_NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}(@[A-Za-z0-9][A-Za-z0-9.-]{0,127})?$/;
/** A session owner a host may report: a login name or a Windows owner. */
const SESSION_OWNER_RE = new RegExp(`(?:${USER_NAME_RE.source})|(?:${WINDOWS_OWNER_RE.source})`);
/** dcv.conf section, e.g. `display` or `session-management/automatic-console-session`. */
export const CONFIG_SECTION_RE = /^[a-z][a-z0-9_-]{0,63}(\/[a-z][a-z0-9_-]{0,63}){0,3}$/;
/** dcv.conf key, e.g. `quality`, `auth-token-verifier`. */
export const CONFIG_KEY_RE = /^[a-z][a-z0-9_-]{0,63}$/;
const CONFIG_VALUE_MAX = 1024;
export const SESSION_NAME_MAX = 256;

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators.
const CONTROL_CHARS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';
/** A single-line argv token that can not be mistaken for an option: no control characters, no leading '-'. */
const SAFE_ARG_RE = new RegExp(`^[^-${CONTROL_CHARS}][^${CONTROL_CHARS}]*$`);
/** An absolute path as one argv token: '/' first (so never an option), no control characters. */
const ABSOLUTE_PATH_RE = new RegExp(`^/[^${CONTROL_CHARS}]*$`);
const PATH_MAX = 4096;

/** True if `v` is a safe session id. */
export const isSessionId = (v: unknown): v is string => typeof v === 'string' && SESSION_ID_RE.test(v);
/** True if `v` is a safe login name. */
export const isUserName = (v: unknown): v is string => typeof v === 'string' && USER_NAME_RE.test(v);
/** True if `v` is a session owner a host may have: a login name or `DOMAIN\\user` (Windows). */
export const isSessionOwner = (v: unknown): v is string => typeof v === 'string' && SESSION_OWNER_RE.test(v);
/** True if `v` is 'console' or 'virtual'. */
export const isSessionType = (v: unknown): v is SessionType => v === 'console' || v === 'virtual';

/**
 * True if `v` is a single-line argv token that can not be mistaken for an option: non-empty, at most
 * `max` characters, no control characters, no leading '-'.
 */
export function isSafeArg(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max && SAFE_ARG_RE.test(value);
}

/** True if `v` is an absolute path that may go into a `dcv` argv (ABSOLUTE_PATH_RE, at most PATH_MAX characters). */
export const isAbsolutePath = (v: unknown): v is string => typeof v === 'string' && v.length <= PATH_MAX && ABSOLUTE_PATH_RE.test(v);

/**
 * True if `v` may be passed as a `dcv set-config` value: a typed literal such as `'debug'`, `(30,80)`,
 * `8443` or `true`. Negative numbers are refused because a leading '-' would read as an option.
 */
export const isConfigValue = (v: unknown): v is string => isSafeArg(v, CONFIG_VALUE_MAX);

/** A session's display name for `dcv create-session --name`: one safe argv token (isSafeArg), at most SESSION_NAME_MAX characters. */
export const SessionName = () =>
  Type.String({ minLength: 1, maxLength: SESSION_NAME_MAX, pattern: SAFE_ARG_RE.source, description: `1 to ${SESSION_NAME_MAX} characters, no control characters, not starting with "-"` });

/** A session id field (SESSION_ID_RE). */
export const SessionId = () => Type.String({ pattern: SESSION_ID_RE.source, description: '1-64 characters of A-Z a-z 0-9 _ . -, the first a letter or digit' });
/**
 * A session owner as a host reports it: a login name, or `DOMAIN\\user` from a Windows host. Owners
 * from updates only label sessions; they never reach a `dcv` argv on the director side.
 */
export const SessionOwner = () => Type.String({ pattern: SESSION_OWNER_RE.source, description: 'Login name (name@domain) or DOMAIN\\user' });
/** An absolute path field (isAbsolutePath). */
export const AbsolutePath = (description: string) => Type.String({ maxLength: PATH_MAX, pattern: ABSOLUTE_PATH_RE.source, description });
/** A dcv.conf section, key and value (isConfigValue). */
export const ConfigSection = () => Type.String({ pattern: CONFIG_SECTION_RE.source });
export const ConfigKey = () => Type.String({ pattern: CONFIG_KEY_RE.source });
export const ConfigValue = () =>
  Type.String({ maxLength: CONFIG_VALUE_MAX, pattern: SAFE_ARG_RE.source, description: "Typed literal: 'text', (30,80), 8443, true; single line, not starting with '-'" });

const MEASURE = Type.Number({ minimum: 0 });

/** An agent's host figures, snake_case on the wire as the public Go dcvix agent sends them. Memory in bytes, cpu in percent. */
export const AgentStats = Type.Object(
  {
    hostname: HostName(),
    free_memory: MEASURE,
    total_memory: MEASURE,
    cores: MEASURE,
    cpu_usage: MEASURE,
    load1: MEASURE,
    load5: MEASURE,
    load15: MEASURE,
  },
  // Other figures (the Go agent's agent_ip) are ignored.
  { additionalProperties: true },
);
export type AgentStats = Static<typeof AgentStats>;
