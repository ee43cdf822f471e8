import { Elysia } from 'elysia';
import { builtAnswer } from '../http/built-answer.ts';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { AdminServers } from './models.ts';
import type { RuntimeState, SessionEntry } from './runtime-state.ts';
import { adminServersView } from './views.ts';

export interface ServerRouteDeps {
  tokens: TokenService;
  state: RuntimeState;
  /** server_offline_after: a server without an update for this long shows as offline. */
  offlineAfterMs: number;
  /** Whether the director manages a session (others show as unmanaged). */
  managed: (session: SessionEntry) => boolean;
}

/** GET /v1/servers (admin): every known server with its health and sessions. */
export const adminServerRoutes = (d: ServerRouteDeps) =>
  new Elysia({ name: 'director.servers.admin', prefix: '/v1' }).use(requireAdmin(d.tokens)).get('/servers', () => builtAnswer({ servers: adminServersView(d.state, d.offlineAfterMs, d.managed) }), {
    response: { 200: AdminServers, ...errorAnswers(401, 403) },
    detail: { summary: 'Every known server with its health and sessions', ...ADMIN },
  });
