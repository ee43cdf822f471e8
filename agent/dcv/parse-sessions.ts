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
    const s = isRaw(item) ? parseOne(item) : undefined;
    if (s) out.push(s);
  }
  return out;
}

function parseOne(r: Raw): DcvSession | undefined {
  const id = str(pick(r, 'id'));
  if (!id) return undefined;
  const owner = str(pick(r, 'owner')) ?? str(pick(r, 'user')) ?? '';
  const s: DcvSession = { id, owner, type: sessionType(pick(r, 'type')), numOfConnections: count(pick(r, 'num-of-connections')) };
  const user = str(pick(r, 'user'));
  if (user) s.user = user;
  const name = str(pick(r, 'name'));
  if (name) s.name = name;
  const status = str(pick(r, 'status'));
  if (status) s.status = status;
  const created = parseDcvTime(pick(r, 'creation-time'));
  if (created) s.creationTime = created;
  s.lastDisconnectionTime = parseDcvTime(pick(r, 'last-disconnection-time')) ?? null;
  return s;
}

/** Reads `kebab-key`, falling back to camelCase and snake_case spellings. */
function pick(r: Raw, kebab: string): unknown {
  if (kebab in r) return r[kebab];
  const camel = kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  if (camel in r) return r[camel];
  return r[kebab.replaceAll('-', '_')];
}

const isRaw = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * An unknown or missing type is reported as 'console': the reaper leaves console sessions alone unless
 * told otherwise, so a session we can not classify is never closed by mistake.
 */
function sessionType(v: unknown): SessionType {
  return typeof v === 'string' && v.toLowerCase() === 'virtual' ? 'virtual' : 'console';
}

function count(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * Turns a dcv timestamp into ISO 8601 UTC with millisecond precision, or undefined for "", null,
 * missing or unparseable values. Fractions of any length are cut to milliseconds; a timestamp without
 * a zone is taken as UTC; numbers are epoch seconds (or milliseconds when large).
 */
export function parseDcvTime(v: unknown): string | undefined {
  let ms: number;
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
    ms = v > 1e11 ? v : v * 1000;
  } else if (typeof v === 'string' && v.trim() !== '') {
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(v.trim());
    if (!m) return undefined;
    const frac = (m[3] ?? '').slice(0, 3).padEnd(3, '0');
    const zone = !m[4] || m[4].toUpperCase() === 'Z' ? 'Z' : m[4].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
    ms = Date.parse(`${m[1]}T${m[2]}.${frac}${zone}`);
  } else {
    return undefined;
  }
  // Year 1 is Go's zero time.Time, which Go-built tools print for "never".
  return Number.isFinite(ms) && new Date(ms).getUTCFullYear() > 1 ? new Date(ms).toISOString() : undefined;
}
