import { Elysia } from 'elysia';
import { builtAnswer } from '../http/built-answer.ts';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers, jsonBody, optionalJsonBody } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import type { ServerMaintenance } from './maintenance.ts';
import { AdminServers, CloseSessionsAnswer, CloseSessionsBody, DrainBody, MaintenanceAnswer, ServerIdParams } from './models.ts';
import type { RuntimeState, ServerEntry, SessionEntry } from './runtime-state.ts';
import { adminServersView, adminServerView } from './views.ts';

export interface ServerRouteDeps {
  tokens: TokenService;
  state: RuntimeState;
  maintenance: ServerMaintenance;
  /** server_offline_after: a server without an update for this long shows as offline. */
  offlineAfterMs: number;
  /** Whether the director manages a session (others show as unmanaged). */
  managed: (session: SessionEntry) => boolean;
}

/**
 * GET /v1/servers (admin): every known server with its health and sessions; POST drain, open and
 * close-sessions on one of them (maintenance).
 */
export const adminServerRoutes = (deps: ServerRouteDeps) => {
  const answer = ({ changed, server }: { changed: boolean; server: ServerEntry }) => ({ changed, server: adminServerView(deps.state, server, deps.offlineAfterMs, deps.managed) });
  return new Elysia({ name: 'director.servers.admin', prefix: '/v1' })
    .use(requireAdmin(deps.tokens))
    .get('/servers', () => builtAnswer({ servers: adminServersView(deps.state, deps.offlineAfterMs, deps.managed) }), {
      response: { 200: AdminServers, ...errorAnswers(401, 403) },
      detail: { summary: 'Every known server with its health and sessions', ...ADMIN },
    })
    .post('/servers/:id/drain', async ({ params, body, session }) => answer(await deps.maintenance.drain(session.sub, params.id, body.reason)), {
      ...optionalJsonBody,
      params: ServerIdParams,
      body: DrainBody,
      response: { 200: MaintenanceAnswer, ...errorAnswers(400, 401, 403, 404, 503) },
      detail: {
        summary: 'Drain a server (maintenance): no new sessions there; running ones stay and can be reconnected. Idempotent (changed: false, not audited again)',
        ...ADMIN,
      },
    })
    .post('/servers/:id/open', async ({ params, session }) => answer(await deps.maintenance.open(session.sub, params.id)), {
      params: ServerIdParams,
      response: { 200: MaintenanceAnswer, ...errorAnswers(401, 403, 404, 503) },
      detail: { summary: 'Open a drained server for new sessions again. Idempotent (changed: false)', ...ADMIN },
    })
    .post('/servers/:id/close-sessions', async ({ params, body, session }) => deps.maintenance.closeSessions(session.sub, params.id, body.reason), {
      ...jsonBody,
      params: ServerIdParams,
      body: CloseSessionsBody,
      response: { 200: CloseSessionsAnswer, ...errorAnswers(400, 401, 403, 404, 503) },
      detail: { summary: 'Close every session on a server, each audited with the reason (drain it first so no new ones arrive)', ...ADMIN },
    });
};
