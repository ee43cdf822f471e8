/**
 * The agent's own API on 8446 (director -> agent, mTLS; health without a certificate): each body and
 * answer as a model. The agent's routes declare them; the director builds its calls from them and reads
 * the answers of either kind of agent (director/agent-client/answers.ts). The answers follow the wire
 * both directors read: create is 201 with a flat map of strings, the list is a bare kebab-case array,
 * close is 200 with an empty body.
 */
import { CloneType, Type, type Static } from '@sinclair/typebox';
import { AgentStats, ConfigKey, ConfigSection, ConfigValue, SessionId, SessionName, SessionOwner, SessionType } from './agent-wire.ts';
import { coded } from './coded.ts';
import { PERMISSIONS_TEXT_MAX } from './dcv-permissions.ts';
import { LaunchSettingFields } from './launch-settings.ts';
import { readBody } from './model-check.ts';
import { WireSession } from './wire-session.ts';

/** dcv.conf entries one POST /v1/config may carry. */
const CONFIG_ENTRIES_MAX = 64;

/** The text of a DCV permissions file (dcv-permissions.ts); the agent checks its grammar before writing it. */
const PermissionsText = () =>
  coded('INVALID_PERMISSIONS', Type.String({ minLength: 1, maxLength: PERMISSIONS_TEXT_MAX, description: 'A DCV permissions file: [groups], [aliases], [permissions], then lines' }));

/**
 * POST /v1/sessions, with the pool's launch settings when it has any (launch-settings.ts), the
 * permissions file text when the policy names a profile (absent: DCV's default file), and the session's
 * display name when one was asked for (`dcv create-session --name`; absent: DCV names it by its id).
 * The public Go dcvix director adds `serverId`, which is ignored; the public Go dcvix agent ignores the
 * launch settings, the permissions and the name.
 */
export const CreateSessionBody = Type.Object(
  {
    userId: coded('INVALID_USER', SessionOwner()),
    sessionType: coded('INVALID_SESSION_TYPE', CloneType(SessionType)),
    sessionId: coded('INVALID_SESSION_ID', SessionId()),
    name: Type.Optional(coded('INVALID_SESSION_NAME', SessionName())),
    ...LaunchSettingFields,
    permissions: Type.Optional(PermissionsText()),
  },
  { additionalProperties: true },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;

/**
 * 201 to POST /v1/sessions: `sessionID` (what a Go dcvix director reads; it decodes the body as a map of
 * strings, so every value here is a string and nothing is nested) plus the session's string facts.
 */
export const CreateSessionAnswer = Type.Object({
  sessionID: SessionId(),
  id: SessionId(),
  owner: Type.String(),
  type: CloneType(SessionType),
  status: Type.Optional(Type.String()),
  'creation-time': Type.Optional(Type.String({ description: 'RFC 3339' })),
});
export type CreateSessionAnswer = Static<typeof CreateSessionAnswer>;

/** DELETE /v1/sessions/{id}: 200 with an empty body, 404 SESSION_NOT_FOUND when the host has no such session. */
export const SessionParams = Type.Object({ id: coded('INVALID_SESSION_ID', SessionId()) });

/** PUT /v1/sessions/{id}/permissions: the session's whole permissions file, for `dcv set-permissions --file`. */
export const SetPermissionsBody = Type.Object({ permissions: PermissionsText() }, { additionalProperties: true });
export type SetPermissionsBody = Static<typeof SetPermissionsBody>;

/** GET /v1/sessions: a bare array, as the public Go dcvix agent answers too. */
export const SessionList = Type.Array(WireSession);

const ConfigSetting = Type.Object({
  section: ConfigSection(),
  key: ConfigKey(),
  value: Type.Union([ConfigValue(), Type.Number({ minimum: 0 }), Type.Boolean()], { description: 'A number or boolean is taken as its bare literal' }),
});

/** POST /v1/config: dcv.conf entries, all set or none. */
export const ConfigBody = Type.Object({ config: coded('INVALID_CONFIG', Type.Array(ConfigSetting, { minItems: 1, maxItems: CONFIG_ENTRIES_MAX })) }, { additionalProperties: true });
export type ConfigBody = Static<typeof ConfigBody>;
/** A config entry as `dcv set-config` takes it: every value a typed literal in text. */
type ConfigEntry = { section: string; key: string; value: string };

export const ConfigAnswer = Type.Object({ ok: Type.Literal(true), applied: Type.Integer() });

/** 200 to PUT /v1/sessions/{id}/permissions. */
export const SetPermissionsAnswer = Type.Object({ ok: Type.Literal(true) });

/** GET /v1/stats: the host's figures and its sessions. */
export const AgentStatsAnswer = Type.Object({ stats: AgentStats, sessions: SessionList });

/** GET /v1/health, without a client certificate. */
export const AgentHealthAnswer = Type.Object({ status: Type.Literal('ok') });

/**
 * Reads a POST /v1/sessions body by CreateSessionBody, for code that gets it outside the agent's route.
 * @throws ApiError 400 INVALID_BODY | INVALID_USER | INVALID_SESSION_TYPE | INVALID_SESSION_ID | INVALID_SESSION_NAME | INVALID_PERMISSIONS | a launch setting's code
 */
export const parseCreateSessionRequest = (body: unknown): CreateSessionBody => {
  const { userId, sessionType, sessionId, name, init, storageRoot, gl, maxConcurrentClients, permissions } = readBody(CreateSessionBody, body);
  const launch = { name, init, storageRoot, gl, maxConcurrentClients, permissions };
  return { userId, sessionType, sessionId, ...Object.fromEntries(Object.entries(launch).filter(([, value]) => value !== undefined)) };
};

/** A config body's entries as `dcv set-config` takes them: numbers and booleans become their bare literals. */
export const configEntries = (body: ConfigBody): ConfigEntry[] => body.config.map(({ section, key, value }) => ({ section, key, value: String(value) }));

/**
 * Reads a POST /v1/config body by ConfigBody, for code that gets it outside the agent's route; strings
 * pass through unchanged (the caller supplies DCV's inner quotes, e.g. "'debug'").
 * @throws ApiError 400 INVALID_BODY | INVALID_CONFIG
 */
export const parseConfigRequest = (body: unknown): { config: ConfigEntry[] } => ({ config: configEntries(readBody(ConfigBody, body)) });
