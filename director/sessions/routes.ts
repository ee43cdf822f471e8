import { Elysia, t } from 'elysia';
import { badRequest } from '../../shared/errors.ts';
import type { AgentClient } from '../agent-client/client.ts';
import type { AuditLog } from '../audit/types.ts';
import { auditTokenIssued, type ConnectionAuditLog } from '../dcv/connection-audit.ts';
import type { ConnectionTokens } from '../dcv/connection-tokens.ts';
import { dcvFile, dcvUri, webClientUrl, type DcvEndpoint } from '../dcv/connection.ts';
import { builtJsonAnswer } from '../http/built-answer.ts';
import { holdsAdminRights, requireAdmin, requireUser } from '../http/guards.ts';
import { ADMIN, errorAnswers, jsonBody, mediaType, OkAnswer, USER } from '../http/models.ts';
import { UserServers } from '../servers/models.ts';
import {
  AdminCreateAnswer,
  AdminCreateBody,
  AdminSessions,
  ConnectionAnswer,
  ConnectionTokenAnswer,
  ConnectionTokenQuery,
  ServerConfigAnswer,
  ServerConfigBody,
  SERVER_CONFIG_RULES,
  ServerParams,
  SessionParams,
  StartSessionAnswer,
  StartSessionBody,
} from './models.ts';
import type { PolicyHolder } from '../policy/holder.ts';
import type { RuntimeState, ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import { adminSessionView, sessionView, userServersJson } from '../servers/views.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { setServerConfig } from './server-config.ts';
import type { SessionService, UserRef } from './service.ts';

export interface SessionRouteDeps {
  sessions: SessionService;
  /** A session the caller may connect to: their own, or one shared with them (404 SESSION_NOT_FOUND otherwise). */
  openSession: (sessionId: string, who: UserRef) => Promise<SessionEntry>;
  state: RuntimeState;
  policy: PolicyHolder;
  tokens: TokenService;
  connections: ConnectionTokens;
  agents: AgentClient;
  endpoint: (server: ServerEntry) => DcvEndpoint;
  offlineAfterMs: number;
  certificateValidationPolicy: string;
  audit: AuditLog;
  /** Where connection tokens handed out are recorded (connection.token, connection.file), rate-limited. */
  connectionAudit: ConnectionAuditLog;
}

/** Everything `user` (the owner, or an invitee) needs to open a session: token, .dcv link, web-client URL, dcv:// URI (the token issued is audited). */
async function connectionInfo(deps: SessionRouteDeps, session: SessionEntry, caller: { user: string; request: Request }) {
  const server = deps.sessions.onlineServer(session.serverId);
  const endpoint = deps.endpoint(server);
  const { token, expiresAt, jti } = await deps.connections.issue(session, caller.user);
  auditTokenIssued(deps.connectionAudit, 'token', caller.user, session, jti, caller.request);
  return {
    sessionId: session.id,
    serverId: session.serverId,
    host: endpoint.host,
    port: endpoint.port,
    authToken: token,
    expiresAt: new Date(expiresAt).toISOString(),
    webUrl: webClientUrl(endpoint, token, session.id),
    dcvUri: dcvUri(endpoint, token, session.id),
    dcvFileUrl: `/v1/user/sessions/${encodeURIComponent(session.id)}/connection.dcv`,
  };
}

/** User routes (cookie auth): servers, sessions, connection tokens, .dcv files, server config. */
export const userSessionRoutes = (d: SessionRouteDeps) =>
  new Elysia({ name: 'director.sessions.user', prefix: '/v1/user' })
    .use(requireUser(d.tokens))
    .get('/servers', ({ session }) => builtJsonAnswer(userServersJson(d.state, d.policy.current, session.sub, session.groups, d.offlineAfterMs, (s) => d.sessions.managed(s, session.groups))), {
      response: { 200: UserServers, ...errorAnswers(401, 403) },
      detail: { summary: 'Servers and pools (with their members) the caller may use: live state, health, own sessions', ...USER },
    })
    .post(
      '/sessions',
      async ({ body, session }) => {
        const serverId = body.serverId || undefined;
        const poolId = body.poolId || undefined;
        if (!serverId === !poolId) throw badRequest('INVALID_BODY', 'give exactly one of serverId or poolId');
        const started = await d.sessions.createForUser({ user: session.sub, groups: session.groups }, { serverId, poolId }, body.sessionType ?? body.type ?? 'virtual', body.new === true);
        return { session: sessionView(started.session), reconnected: started.reconnected };
      },
      {
        ...jsonBody,
        body: StartSessionBody,
        response: { 200: StartSessionAnswer, ...errorAnswers(400, 401, 403, 404, 409, 502, 503) },
        detail: {
          summary: 'Start (or reconnect to) a session on a server or pool',
          description:
            "Without `new` the caller's existing session of that type there is returned (`reconnected: true`). A pool's `max_sessions_per_user` and a host's `max_virtual_sessions` are kept: past either, 409 SESSION_LIMIT_REACHED with `limit` naming which, and nothing is created.",
          ...USER,
        },
      },
    )
    .delete(
      '/sessions/:id',
      async ({ params, session }) => {
        await d.sessions.close(params.id, { user: session.sub, admin: false, groups: session.groups });
        return { ok: true as const };
      },
      { params: SessionParams, response: { 200: OkAnswer, ...errorAnswers(401, 403, 404, 502) }, detail: { summary: "Close one of the caller's sessions", ...USER } },
    )
    .get(
      '/sessions/:id/connection',
      async ({ params, session, set, request }) => {
        set.headers['cache-control'] = 'no-store';
        return connectionInfo(d, await d.openSession(params.id, { user: session.sub, groups: session.groups }), { user: session.sub, request });
      },
      {
        params: SessionParams,
        response: { 200: ConnectionAnswer, ...errorAnswers(401, 403, 404, 503) },
        detail: { summary: "Connection token, web-client URL, dcv:// URI, .dcv link (the caller's session, or one shared with them)", ...USER },
      },
    )
    .get(
      '/sessions/:id/connection.dcv',
      async ({ params, session, request }) => {
        const own = await d.openSession(params.id, { user: session.sub, groups: session.groups });
        const server = d.sessions.onlineServer(own.serverId);
        const { token, jti } = await d.connections.issue(own, session.sub);
        auditTokenIssued(d.connectionAudit, 'file', session.sub, own, jti, request);
        return new Response(dcvFile(d.endpoint(server), own, token, d.certificateValidationPolicy, session.sub), {
          headers: {
            'content-type': 'application/x-dcv',
            'content-disposition': `attachment; filename="${server.id}-${own.id}.dcv"`,
            'cache-control': 'no-store',
          },
        });
      },
      {
        params: SessionParams,
        response: { 200: mediaType('application/x-dcv', t.String({ description: 'The .dcv file for DCV Viewer (INI text)' })), ...errorAnswers(401, 403, 404, 503) },
        detail: { summary: 'The .dcv file for DCV Viewer', ...USER },
      },
    )
    .get(
      '/connectiontoken',
      async ({ query, session, set, request }) => {
        set.headers['cache-control'] = 'no-store';
        const own = await d.openSession(query.sessionId ?? '', { user: session.sub, groups: session.groups });
        if (query.serverId !== undefined && query.serverId !== own.serverId) throw badRequest('SERVER_MISMATCH', 'the session is not on that server');
        const info = await connectionInfo(d, own, { user: session.sub, request });
        return { token: info.authToken, expiresAt: info.expiresAt, sessionId: own.id, serverId: own.serverId };
      },
      { query: ConnectionTokenQuery, response: { 200: ConnectionTokenAnswer, ...errorAnswers(400, 401, 403, 404, 503) }, detail: { summary: 'A connection token for one session', ...USER } },
    )
    .post(
      '/servers/:server/config',
      async ({ params, body, session }) => {
        const caller = { user: session.sub, groups: session.groups, admin: holdsAdminRights(d.tokens, session) };
        return { ok: true as const, applied: await setServerConfig(d, caller, params.server, body) };
      },
      {
        ...jsonBody,
        params: ServerParams,
        body: ServerConfigBody,
        response: { 200: ServerConfigAnswer, ...errorAnswers(400, 401, 403, 404, 502, 503) },
        detail: {
          summary: 'Set DCV config on a server (typed literals); users only keys on their allow-list',
          description: SERVER_CONFIG_RULES,
          ...USER,
        },
      },
    );

/** Admin routes: every session and server; create for anyone; close any. */
export const adminSessionRoutes = (d: SessionRouteDeps) =>
  new Elysia({ name: 'director.sessions.admin', prefix: '/v1' })
    .use(requireAdmin(d.tokens))
    .get('/sessions', () => ({ sessions: [...d.state.allSessions()].map((s) => adminSessionView(s, (x) => d.sessions.managed(x))) }), {
      response: { 200: AdminSessions, ...errorAnswers(401, 403) },
      detail: { summary: 'Every known session', ...ADMIN },
    })
    .post(
      '/sessions',
      async ({ body, session }) => {
        const type = body.sessionType ?? body.type ?? 'virtual';
        const created = await d.sessions.createAsAdmin(session.sub, body.serverId, body.userId, type, body.sessionId || undefined, body.override === true);
        return { session: sessionView(created) };
      },
      {
        ...jsonBody,
        body: AdminCreateBody,
        response: { 200: AdminCreateAnswer, ...errorAnswers(400, 401, 403, 404, 409, 502, 503) },
        detail: { summary: 'Create a session for a user (403 NOT_PERMITTED when the policy does not allow them there, unless override: true, audited)', ...ADMIN },
      },
    )
    .delete(
      '/sessions/:id',
      async ({ params, session }) => {
        await d.sessions.close(params.id, { user: session.sub, admin: true });
        return { ok: true as const };
      },
      { params: SessionParams, response: { 200: OkAnswer, ...errorAnswers(401, 403, 404, 502) }, detail: { summary: 'Close any session', ...ADMIN } },
    );
