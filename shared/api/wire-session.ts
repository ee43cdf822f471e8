/**
 * A session on the agent wire (updates, GET /v1/sessions, older create answers): the model, how our
 * agent writes one, and how the director reads one from any agent. The keys are the kebab-case ones
 * `dcv list-sessions --json` prints, as the specification and the public Go dcvix agent send them;
 * agents of this project sent camelCase keys before (`numOfConnections`, ...), which are read as their
 * kebab-case twins. A session the model refuses is refused with a reason, so the caller can skip it
 * loudly instead of storing a session with made-up values.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ValueErrorType } from '@sinclair/typebox/compiler';
import { isSessionId, SESSION_NAME_MAX, SessionId, SessionOwner, type DcvSession, type SessionType } from './agent-wire.ts';
import { firstMismatch, mismatchText } from './model-check.ts';

/** Longest `user` and `status` a reported session may carry (its `name`: SESSION_NAME_MAX). */
export const SESSION_USER_MAX = 64;
export const SESSION_STATUS_MAX = 64;

/** RFC 3339, `T` and `Z` in either case, every part in its range (so Date.parse reads every match). */
const TIME_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
/** Go's zero time.Time: the Go agent sends it for "never". */
const GO_ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/;

const WireTime = Type.Union([Type.Null(), Type.Literal(''), Type.String({ pattern: TIME_RE.source })], {
  description: 'RFC 3339; null, "" or Go\'s zero time 0001-01-01T00:00:00Z mean never',
});
/** Free text a session carries (user, name, status): "" and null mean none. */
const ShortText = (max: number) => Type.Union([Type.Null(), Type.String({ maxLength: max, pattern: '^[^\\u0000-\\u001f\\u007f]*$' })]);

/** A session as agents report it (kebab-case keys); other keys (`licensing-mode`, `x11-display`, ...) are ignored. */
export const WireSession = Type.Object(
  {
    id: SessionId(),
    owner: SessionOwner(),
    user: Type.Optional(ShortText(SESSION_USER_MAX)),
    name: Type.Optional(ShortText(SESSION_NAME_MAX)),
    type: Type.String({ pattern: '^([Cc][Oo][Nn][Ss][Oo][Ll][Ee]|[Vv][Ii][Rr][Tt][Uu][Aa][Ll])$', description: 'console or virtual, in either case' }),
    status: Type.Optional(ShortText(SESSION_STATUS_MAX)),
    'num-of-connections': Type.Integer({ minimum: 0 }),
    'creation-time': Type.Optional(WireTime),
    'last-disconnection-time': Type.Optional(WireTime),
  },
  { additionalProperties: true },
);
export type WireSession = Static<typeof WireSession>;

/** The kebab-case wire form of a session. Times are RFC 3339 or null, never "" (Go's time decoding refuses an empty string). */
export function toWireSession(session: DcvSession): WireSession {
  return {
    id: session.id,
    owner: session.owner,
    ...(session.user ? { user: session.user } : {}),
    ...(session.name ? { name: session.name } : {}),
    type: session.type,
    ...(session.status ? { status: session.status } : {}),
    'num-of-connections': session.numOfConnections,
    'creation-time': session.creationTime ?? null,
    'last-disconnection-time': session.lastDisconnectionTime ?? null,
  };
}

/** The camelCase twin of each kebab-case key older agents of this project sent. */
const CAMEL_TWINS = { 'num-of-connections': 'numOfConnections', 'creation-time': 'creationTime', 'last-disconnection-time': 'lastDisconnectionTime' } as const;
const TWIN_PAIRS = Object.entries(CAMEL_TWINS);

/** The session with each kebab-case key it lacks taken from its camelCase twin (an agent deployed before kebab-case). */
export function withKebabKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  // Agents of today send kebab-case: the session is taken as it is, with no copy (this runs for every session of every update).
  let filled: Record<string, unknown> | undefined;
  for (const [kebab, camel] of TWIN_PAIRS) {
    if (kebab in record || !(camel in record)) continue;
    filled ??= { ...record };
    filled[kebab] = record[camel];
  }
  return filled ?? record;
}

type ReadSession = { ok: true; session: DcvSession } | { ok: false; reason: string };

/** A checked wire time as the director keeps it: ISO 8601 in UTC, or null for never. */
function keptTime(value: string | null | undefined): string | null {
  if (!value || GO_ZERO_TIME.test(value)) return null;
  return new Date(Date.parse(value)).toISOString();
}

/** Reads one reported session (either key form) by WireSession; a refusal names the first thing that is wrong. */
export function readReportedSession(value: unknown): ReadSession {
  const wire = withKebabKeys(value);
  const mismatch = firstMismatch(WireSession, wire);
  if (mismatch) {
    const id = (wire as { id?: unknown } | null | undefined)?.id;
    const named = isSessionId(id) ? `${id}: ` : '';
    const missingCount = mismatch.type === ValueErrorType.ObjectRequiredProperty && mismatch.path === '/num-of-connections';
    return { ok: false, reason: named + (missingCount ? 'has neither num-of-connections nor numOfConnections' : mismatchText(mismatch, 'session')) };
  }
  const checked = wire as WireSession;
  const session: DcvSession = {
    id: checked.id,
    owner: checked.owner,
    type: checked.type.toLowerCase() as SessionType,
    numOfConnections: checked['num-of-connections'],
    lastDisconnectionTime: keptTime(checked['last-disconnection-time']),
  };
  if (checked.user) session.user = checked.user;
  if (checked.name) session.name = checked.name;
  if (checked.status) session.status = checked.status;
  const created = keptTime(checked['creation-time']);
  if (created) session.creationTime = created;
  return { ok: true, session };
}
