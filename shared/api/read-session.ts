/**
 * Reads one session as an agent reports it: the kebab-case form of the specification and the public Go
 * dcvix agent (`num-of-connections`, `creation-time`, ...), or the camelCase form agents of this project
 * sent before (`numOfConnections`, `creationTime`, ...). Anything else is refused with a reason, so the
 * caller can skip it loudly instead of storing a session with made-up values.
 */
import { isSessionId, isSessionOwner, SESSION_NAME_MAX, type DcvSession, type SessionType } from './agent-wire.ts';

/** Longest `user` and `status` a reported session may carry (its `name`: SESSION_NAME_MAX). */
export const SESSION_USER_MAX = 64;
export const SESSION_STATUS_MAX = 64;

export type ReadSession = { ok: true; session: DcvSession } | { ok: false; reason: string };

/** Go's zero time.Time: the Go agent sends it for "never". */
const GO_ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value under the kebab-case key, else under its camelCase twin (agents deployed before kebab-case). */
function field(record: Record<string, unknown>, kebab: string): unknown {
  if (kebab in record) return record[kebab];
  return record[kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
}

/** RFC 3339 -> ISO string; null/""/absent/Go zero time -> null; anything else -> undefined (bad). */
export function readWireTime(value: unknown): string | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  if (GO_ZERO_TIME.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const optionalString = (v: unknown, max: number): string | undefined | false =>
  v === undefined || v === null || v === '' ? undefined : typeof v === 'string' && v.length <= max && !/[\u0000-\u001f\u007f]/.test(v) ? v : false;

/** Reads one reported session (either key form); a refusal names the first thing that is wrong. */
export function readReportedSession(value: unknown): ReadSession {
  if (!isObject(value)) return { ok: false, reason: 'not an object' };
  if (!isSessionId(value.id)) return { ok: false, reason: 'id is not a valid session id' };
  if (!isSessionOwner(value.owner)) return { ok: false, reason: `owner of ${value.id} is not a valid user name` };
  const connectionCount = field(value, 'num-of-connections');
  if (connectionCount === undefined) return { ok: false, reason: `${value.id} has neither num-of-connections nor numOfConnections` };
  if (!Number.isInteger(connectionCount) || (connectionCount as number) < 0) return { ok: false, reason: `num-of-connections of ${value.id} is not a count` };
  const type = typeof value.type === 'string' ? value.type.toLowerCase() : '';
  if (type !== 'console' && type !== 'virtual') return { ok: false, reason: `type of ${value.id} is not console or virtual` };
  const created = readWireTime(field(value, 'creation-time'));
  const lastGone = readWireTime(field(value, 'last-disconnection-time'));
  if (created === undefined || lastGone === undefined) return { ok: false, reason: `a time of ${value.id} is not RFC 3339` };
  const user = optionalString(value.user, SESSION_USER_MAX);
  const name = optionalString(value.name, SESSION_NAME_MAX);
  const status = optionalString(value.status, SESSION_STATUS_MAX);
  if (user === false || name === false || status === false) return { ok: false, reason: `user, name or status of ${value.id} is not a short string` };
  const session: DcvSession = { id: value.id, owner: value.owner, type: type as SessionType, numOfConnections: connectionCount as number, lastDisconnectionTime: lastGone };
  if (user) session.user = user;
  if (name) session.name = name;
  if (status) session.status = status;
  if (created) session.creationTime = created;
  return { ok: true, session };
}
