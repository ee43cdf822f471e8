import { t } from 'elysia';
import { coded, Int, Nullable, Time } from '../http/models.ts';
import { AdminSessionView, SessionType, SessionView } from '../servers/models.ts';

const TYPE = coded('INVALID_SESSION_TYPE', SessionType);
/** Optional text where "" and null mean absent, as older clients send them. */
const maybeText = (maxLength: number) => t.Optional(Nullable(t.String({ maxLength })));

/**
 * POST /v1/user/sessions: exactly one of serverId or poolId; `type` is an older spelling of sessionType;
 * `new` asks for another session instead of the caller's existing one.
 */
export const StartSessionBody = t.Object({
  serverId: maybeText(253),
  poolId: maybeText(128),
  sessionType: t.Optional(TYPE),
  type: t.Optional(TYPE),
  new: t.Optional(
    t.Boolean({
      description: 'true: start another session even when the caller has one of this type there (no reconnect), while the limits allow (409 SESSION_LIMIT_REACHED past them)',
    }),
  ),
});
export const StartSessionAnswer = t.Object({ session: SessionView, reconnected: t.Boolean({ description: 'An existing session of the caller was returned' }) });

/** POST /v1/sessions (admin): create a session for a user. */
export const AdminCreateBody = t.Object({
  serverId: t.String({ minLength: 1, maxLength: 253 }),
  userId: coded('INVALID_USER', t.String({ minLength: 1, maxLength: 128 })),
  sessionType: t.Optional(TYPE),
  type: t.Optional(TYPE),
  sessionId: maybeText(64),
  override: t.Optional(t.Boolean({ description: 'Create even where the policy does not allow this user (audited)' })),
});
export const AdminCreateAnswer = t.Object({ session: SessionView });
export const AdminSessions = t.Object({ sessions: t.Array(AdminSessionView) });

export const SessionParams = t.Object({ id: t.String() });

/** Everything a client needs to open a session. */
export const ConnectionAnswer = t.Object({
  sessionId: t.String(),
  serverId: t.String(),
  host: t.String(),
  port: Int(),
  authToken: t.String({ description: 'Connection token for DCV (single session, short-lived)' }),
  expiresAt: Time(),
  webUrl: t.String({ description: 'DCV web client URL with the token' }),
  dcvUri: t.String({ description: 'dcv:// URI for DCV Viewer' }),
  dcvFileUrl: t.String({ description: 'Path of the .dcv file for this session' }),
});

export const ConnectionTokenQuery = t.Object({
  sessionId: t.Optional(t.String()),
  serverId: t.Optional(t.String({ description: 'If given, the session must be on this server (400 SERVER_MISMATCH)' })),
});
export const ConnectionTokenAnswer = t.Object({ token: t.String(), expiresAt: Time(), sessionId: t.String(), serverId: t.String() });

/** POST /v1/user/servers/{server}/config: dcv.conf entries; numbers and booleans are sent as their text. */
export const ServerConfigBody = t.Object({
  config: coded('INVALID_CONFIG', t.Array(t.Object({ section: t.String(), key: t.String(), value: t.Union([t.String(), t.Number(), t.Boolean()]) }), { minItems: 1, maxItems: 64 })),
});
export const ServerConfigAnswer = t.Object({ ok: t.Literal(true), applied: Int() });
/** What the OpenAPI document says about who may set which keys (the 403s). */
export const SERVER_CONFIG_RULES = [
  'All or nothing: a refused request sends nothing to the agent.',
  'Users: the server must be theirs (directly or through a pool), else 403 NOT_PERMITTED; every key must be on their allow-list for that server',
  "(the policy's userConfig lists; by default display.quality and display.target-fps), else 403 CONFIG_KEY_NOT_ALLOWED with the refused",
  "entry's `section` and `key` in the error. Sections security, connectivity, license, log and session-management, and keys about ports,",
  'authentication, certificates, licensing, logging, files or commands, are never user-settable.',
  'Admins may set any key on any server; a request beyond their own allow-list is audited as an admin override (keys only, never values).',
].join(' ');
export const ServerParams = t.Object({ server: t.String() });
