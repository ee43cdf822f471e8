import { Type, type IntegerOptions, type TLiteral, type TUnion } from '@sinclair/typebox';
import { t, type TSchema } from 'elysia';
import { badRequest } from '../../shared/errors.ts';
import { parseJsonSafely } from '../../shared/http/safe-json.ts';

/**
 * Models every feature shares: the error envelope, `{ok: true}` answers, and the two tolerant body
 * parsers. Feature models live beside their routes (director/<feature>/models.ts).
 */

export { coded } from '../../shared/api/coded.ts';

/** The envelope of every error answer. `expected` and challenge fields appear on multi-step logins. */
export const ErrorEnvelope = t.Object(
  {
    error: t.Object(
      {
        code: t.String({ description: 'Stable SCREAMING_SNAKE code', examples: ['INVALID_BODY'] }),
        message: t.String(),
        requestId: t.Optional(t.String({ description: 'Also in the x-request-id header and the log lines of this request' })),
        expected: t.Optional(t.Array(t.String(), { description: 'Fields a multi-step login still needs (e.g. otp)' })),
        state: t.Optional(t.String({ description: 'Challenge state to send back with the next login step' })),
        section: t.Optional(t.String({ description: 'CONFIG_KEY_NOT_ALLOWED: the dcv.conf section of the refused entry' })),
        key: t.Optional(t.String({ description: 'CONFIG_KEY_NOT_ALLOWED: the refused key' })),
        limit: t.Optional(t.String({ description: 'SESSION_LIMIT_REACHED: max_sessions_per_user (with poolId) or max_virtual_sessions (with serverId or poolId)' })),
        max: t.Optional(t.Integer({ description: 'SESSION_LIMIT_REACHED: the value of that limit' })),
      },
      { additionalProperties: true },
    ),
  },
  { title: 'ErrorEnvelope' },
);

export const OkAnswer = t.Object({ ok: t.Literal(true) });

/**
 * A whole number as JSON carries it. (Elysia's t.Integer also takes numeric strings, which suits query
 * strings, not JSON bodies or answers.)
 */
export const Int = (options: IntegerOptions = {}) => Type.Integer(options);

/**
 * One of a few strings. (Not t.UnionEnum: Elysia gives that a default, its first value, which it
 * would fill into a request that left the field out.)
 */
export const OneOf = <const V extends readonly string[]>(values: V, options: { description?: string } = {}) =>
  t.Union(
    values.map((v) => t.Literal(v)),
    options,
  ) as unknown as TUnion<{ -readonly [K in keyof V]: TLiteral<V[K]> }>;

/** RFC 3339 time on the wire. */
export const Time = (options: { description?: string } = {}) => t.String({ format: 'date-time', ...options });
export const Nullable = <T extends TSchema>(schema: T) => t.Union([schema, t.Null()]);

type ParseContext = { request: Request };
type BodyParser = (context: ParseContext) => Promise<unknown>;

/**
 * A body that is not a JSON object. The parser hands it on instead of throwing, so the route's guard
 * (authentication) speaks first; `rejectUnreadBody` then answers 400 INVALID_JSON before the model
 * is checked.
 */
export class UnreadBody {
  constructor(readonly message: string) {}
}

/** Transform hook: a body the parser could not read is 400 INVALID_JSON. */
export function rejectUnreadBody({ body }: { body: unknown }): void {
  if (body instanceof UnreadBody) throw badRequest('INVALID_JSON', body.message);
}

export { parseJsonSafely };

/**
 * A JSON object body whatever its Content-Type (curl examples send JSON with curl's default form
 * type). An empty body is unreadable unless the route allows none (`optional`), then `{}`.
 */
function jsonObjectParser(optional: boolean): BodyParser {
  return async ({ request }) => {
    const text = await request.text();
    if (text.trim() === '') return optional ? {} : new UnreadBody('request body must be a JSON object');
    let value: unknown;
    try {
      value = parseJsonSafely(text);
    } catch {
      return new UnreadBody('request body is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return new UnreadBody('request body must be a JSON object');
    return value;
  };
}

/**
 * Route options for JSON bodies: our parser first, then 'json' (never reached; it only makes the
 * generated document say application/json), and the INVALID_JSON check after the guards.
 */
export const jsonBody = { parse: [jsonObjectParser(false), 'json'] as [BodyParser, 'json'], transform: rejectUnreadBody };
/** Like jsonBody, but an empty body reads as `{}` (approve, revoke). */
export const optionalJsonBody = { parse: [jsonObjectParser(true), 'json'] as [BodyParser, 'json'], transform: rejectUnreadBody };

/**
 * Form fields of a DCV verifier call, merged over the query string (DCV servers send a form; some
 * set-ups put the fields in the query), whatever the Content-Type.
 */
export const formFieldsBody: [BodyParser, 'urlencoded'] = [
  async ({ request }) => {
    const fields: Record<string, string> = Object.fromEntries(new URL(request.url).searchParams);
    for (const [key, value] of new URLSearchParams(await request.text())) fields[key] = value;
    return fields;
  },
  'urlencoded',
];

/** The error answers a route may give, each with the envelope (the document lists them per route). */
export function errorAnswers<S extends number>(...statuses: S[]): Record<S, typeof ErrorEnvelope> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorEnvelope])) as Record<S, typeof ErrorEnvelope>;
}

/** `detail` for admin routes: the session cookie of a policy admin. */
export const ADMIN = { security: [{ session: [] }], description: 'Requires an admin session (policy admins).' };
/** `detail` for routes of logged-in users (cookie or Bearer token). */
export const USER = { security: [{ session: [] }] };
/** `security` of agent routes: the agent certificate the director issued (mTLS). */
export const AGENT_CERT = [{ agentCertificate: [] }];

/** Keyword that makes director/http/openapi.ts list a non-JSON answer under its real media type. */
export const MEDIA_TYPE = 'x-media-type';
/** An answer that is not JSON (XML, .dcv, Prometheus text): its schema and the media type on the wire. */
export const mediaType = <T extends TSchema>(type: string, schema: T): T => Object.assign(schema, { [MEDIA_TYPE]: type });

/** GET /v1/health. */
export const HealthAnswer = t.Object({ status: t.Literal('ok') });
/** GET /v1/openapi.json: this document (OpenAPI 3.1). */
export const OpenApiAnswer = t.Object(
  {
    openapi: t.String(),
    info: t.Object({ title: t.String(), version: t.String() }, { additionalProperties: true }),
    servers: t.Optional(t.Array(t.Object({ url: t.String(), description: t.Optional(t.String()) }))),
    paths: t.Record(t.String(), t.Unknown()),
    components: t.Unknown(),
  },
  { additionalProperties: true },
);
