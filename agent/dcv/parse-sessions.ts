/**
 * Tolerant parser for `dcv list-sessions --json` (and `describe-session --json`). The format is not in
 * AWS's documentation, so it accepts kebab-case or camelCase keys, an array or `{sessions: [...]}`,
 * missing fields, microsecond timestamps, and `""`/null for "never".
 */
import type { DcvSession, SessionType } from '../../shared/api/agent-wire.ts';

type Raw = Record<string, unknown>;

/** Parses dcv's JSON text; throws SyntaxError on text that is not JSON at all. */
export function parseSessionsJson(text: string): DcvSession[] {
  const trimmed = text.trim();
  // Some dcv builds print nothing at all when there are no sessions.
  if (trimmed === '') return [];
  return parseSessions(JSON.parse(trimmed));
}

/** Normalises already-decoded JSON into DcvSession[]; entries without a string id are skipped. */
export function parseSessions(data: unknown): DcvSession[] {
  const list = Array.isArray(data) ? data : isRaw(data) && Array.isArray(data.sessions) ? data.sessions : isRaw(data) ? [data] : [];
  const out: DcvSession[] = [];
  for (const item of list) {
    const session = isRaw(item) ? parseOne(item) : undefined;
    if (session) out.push(session);
  }
  return out;
}

function parseOne(response: Raw): DcvSession | undefined {
  const id = str(pick(response, 'id'));
  if (!id) return undefined;
  const owner = str(pick(response, 'owner')) ?? str(pick(response, 'user')) ?? '';
  const session: DcvSession = { id, owner, type: sessionType(pick(response, 'type')), numOfConnections: count(pick(response, 'num-of-connections')) };
  const user = str(pick(response, 'user'));
  if (user) session.user = user;
  const name = str(pick(response, 'name'));
  if (name) session.name = name;
  const status = str(pick(response, 'status'));
  if (status) session.status = status;
  const created = parseDcvTime(pick(response, 'creation-time'));
  if (created) session.creationTime = created;
  session.lastDisconnectionTime = parseDcvTime(pick(response, 'last-disconnection-time')) ?? null;
  return session;
}

/** Reads `kebab-key`, falling back to camelCase and snake_case spellings. */
function pick(response: Raw, kebab: string): unknown {
  if (kebab in response) return response[kebab];
  const camel = kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  if (camel in response) return response[camel];
  return response[kebab.replaceAll('-', '_')];
}

const isRaw = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * An unknown or missing type is reported as 'console': the reaper leaves console sessions alone unless
 * told otherwise, so a session we can not classify is never closed by mistake.
 */
function sessionType(value: unknown): SessionType {
  return typeof value === 'string' && value.toLowerCase() === 'virtual' ? 'virtual' : 'console';
}

function count(value: unknown): number {
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : 0;
}

/**
 * Turns a dcv timestamp into ISO 8601 UTC with millisecond precision, or undefined for "", null,
 * missing or unparseable values. Fractions of any length are cut to milliseconds; a timestamp without
 * a zone is taken as UTC; numbers are epoch seconds (or milliseconds when large).
 */
export function parseDcvTime(value: unknown): string | undefined {
  let ms: number;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    ms = value > 1e11 ? value : value * 1000;
  } else if (typeof value === 'string' && value.trim() !== '') {
    const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim());
    if (!match) return undefined;
    const frac = (match[3] ?? '').slice(0, 3).padEnd(3, '0');
    const zone = !match[4] || match[4].toUpperCase() === 'Z' ? 'Z' : match[4].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
    ms = Date.parse(`${match[1]}T${match[2]}.${frac}${zone}`);
  } else {
    return undefined;
  }
  // Year 1 is Go's zero time.Time, which Go-built tools print for "never".
  return Number.isFinite(ms) && new Date(ms).getUTCFullYear() > 1 ? new Date(ms).toISOString() : undefined;
}
