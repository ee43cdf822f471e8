import { Elysia } from 'elysia';
import { isSessionType, parseConfigRequest } from '../../shared/api/agent-wire.ts';
import { badRequest, forbidden } from '../../shared/errors.ts';
import type { AgentClient } from '../agent-client/client.ts';
import type { AuditLog } from '../audit/types.ts';
import type { ConnectionTokens } from '../dcv/connection-tokens.ts';
import { dcvFile, dcvUri, webClientUrl, type DcvEndpoint } from '../dcv/connection.ts';
import { holdsAdminRights, requireAdmin, requireUser } from '../http/guards.ts';
import { firstOf, jsonObject, optionalString, requireString } from '../http/json-body.ts';
import { entitlements, mayUseServer } from '../policy/evaluate.ts';
import type { PolicyHolder } from '../policy/holder.ts';
import type { RuntimeState, ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import { adminServersView, adminSessionView, sessionView, userServersView } from '../servers/views.ts';
import type { TokenService } from '../tokens/token-service.ts';
import type { SessionService } from './service.ts';

export interface SessionRouteDeps {
  sessions: SessionService;
  state: RuntimeState;
  policy: PolicyHolder;
  tokens: TokenService;
  connections: ConnectionTokens;
  agents: AgentClient;
  endpoint: (server: ServerEntry) => DcvEndpoint;
  offlineAfterMs: number;
  certificateValidationPolicy: string;
  audit: AuditLog;
}

function sessionType(v: unknown) {
  if (!isSessionType(v)) throw badRequest('INVALID_SESSION_TYPE', 'sessionType must be "console" or "virtual"');
  return v;
}

/** Everything a client needs to open a session: token, .dcv link, web-client URL, dcv:// URI. */
async function connectionInfo(d: SessionRouteDeps, s: SessionEntry) {
  const server = d.sessions.onlineServer(s.serverId);
  const e = d.endpoint(server);
  const { token, expiresAt } = await d.connections.issue(s);
  return {
    sessionId: s.id,
    serverId: s.serverId,
    host: e.host,
    port: e.port,
    authToken: token,
    expiresAt: new Date(expiresAt).toISOString(),
    webUrl: webClientUrl(e, token, s.id),
    dcvUri: dcvUri(e, token, s.id),
    dcvFileUrl: `/v1/user/sessions/${encodeURIComponent(s.id)}/connection.dcv`,
  };
}

/** User routes (cookie auth): servers, sessions, connection tokens, .dcv files, server config. */
export const userSessionRoutes = (d: SessionRouteDeps) =>
  new Elysia({ name: 'director.sessions.user', prefix: '/v1/user' })
    .use(requireUser(d.tokens))
    .get('/servers', ({ session }) => userServersView(d.state, d.policy.current, session.sub, session.groups, d.offlineAfterMs, (s) => d.sessions.managed(s, session.groups)))
    .post(
      '/sessions',
      async ({ body, session }) => {
        const b = jsonObject(body);
        const serverId = optionalString(b, 'serverId', 253);
        const poolId = optionalString(b, 'poolId', 128);
        if (!serverId === !poolId) throw badRequest('INVALID_BODY', 'give exactly one of serverId or poolId');
        const type = sessionType(firstOf(b, ['sessionType', 'type']) ?? 'virtual');
        const r = await d.sessions.createForUser({ user: session.sub, groups: session.groups }, { serverId, poolId }, type);
        return { session: sessionView(r.session), reconnected: r.reconnected };
      },
      { parse: 'text' },
    )
    .delete('/sessions/:id', async ({ params, session }) => {
      await d.sessions.close(params.id, { user: session.sub, admin: false, groups: session.groups });
      return { ok: true };
    })
    .get('/sessions/:id/connection', ({ params, session, set }) => {
      set.headers['cache-control'] = 'no-store';
      return connectionInfo(d, d.sessions.ownSession(params.id, session.sub, session.groups));
    })
    .get('/sessions/:id/connection.dcv', async ({ params, session }) => {
      const s = d.sessions.ownSession(params.id, session.sub, session.groups);
      const server = d.sessions.onlineServer(s.serverId);
      const { token } = await d.connections.issue(s);
      return new Response(dcvFile(d.endpoint(server), s, token, d.certificateValidationPolicy), {
        headers: {
          'content-type': 'application/x-dcv',
          'content-disposition': `attachment; filename="${server.id}-${s.id}.dcv"`,
          'cache-control': 'no-store',
        },
      });
    })
    .get('/connectiontoken', async ({ query, session, set }) => {
      set.headers['cache-control'] = 'no-store';
      const sessionId = typeof query.sessionId === 'string' ? query.sessionId : '';
      const s = d.sessions.ownSession(sessionId, session.sub, session.groups);
      if (query.serverId !== undefined && query.serverId !== s.serverId) throw badRequest('SERVER_MISMATCH', 'the session is not on that server');
      const info = await connectionInfo(d, s);
      return { token: info.authToken, expiresAt: info.expiresAt, sessionId: s.id, serverId: s.serverId };
    })
    .post(
      '/servers/:server/config',
      async ({ params, body, session }) => {
        const e = entitlements(d.policy.current, session.sub, session.groups);
        if (!mayUseServer(e, params.server) && !holdsAdminRights(d.tokens, session)) throw forbidden('NOT_PERMITTED', 'you may not configure this server');
        const req = parseConfigRequest(jsonObject(body));
        // Audited with section/key only: values are the user's and may be anything.
        const detail = `${params.server}: ${req.config.map((c) => `${c.section}.${c.key}`).join(', ')}`.slice(0, 500);
        try {
          await d.agents.setConfig(d.sessions.onlineServer(params.server), req.config);
        } catch (err) {
          d.audit.record({ type: 'server.config', actor: session.sub, target: params.server, outcome: 'failure', detail });
          throw err;
        }
        d.audit.record({ type: 'server.config', actor: session.sub, target: params.server, outcome: 'success', detail });
        return { ok: true, applied: req.config.length };
      },
      { parse: 'text' },
    );

/** Admin routes: every session and server; create for anyone; close any. */
export const adminSessionRoutes = (d: SessionRouteDeps) =>
  new Elysia({ name: 'director.sessions.admin', prefix: '/v1' })
    .use(requireAdmin(d.tokens))
    .get('/sessions', () => ({ sessions: [...d.state.allSessions()].map((s) => adminSessionView(s, (x) => d.sessions.managed(x))) }))
    .get('/servers', () => ({ servers: adminServersView(d.state, d.offlineAfterMs, (x) => d.sessions.managed(x)) }))
    .post(
      '/sessions',
      async ({ body, session }) => {
        const b = jsonObject(body);
        const created = await d.sessions.createAsAdmin(
          session.sub,
          requireString(b, 'serverId', 253),
          requireString(b, 'userId', 128, 'INVALID_USER'),
          sessionType(firstOf(b, ['sessionType', 'type']) ?? 'virtual'),
          optionalString(b, 'sessionId', 64),
          b.override === true,
        );
        return { session: sessionView(created) };
      },
      { parse: 'text' },
    )
    .delete('/sessions/:id', async ({ params, session }) => {
      await d.sessions.close(params.id, { user: session.sub, admin: true });
      return { ok: true };
    });
