import { Elysia } from 'elysia';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { OverviewAnswer } from './models.ts';
import { fleetOverview, type OverviewSources } from './overview.ts';

/** GET /v1/admin/overview: this director's view of the fleet's capacity, trouble and last 24 hours. */
export const adminOverviewRoute = (d: { tokens: TokenService } & OverviewSources) =>
  new Elysia({ name: 'director.admin.overview', prefix: '/v1/admin' }).use(requireAdmin(d.tokens)).get('/overview', () => fleetOverview(d), {
    response: { 200: OverviewAnswer, ...errorAnswers(401, 403) },
    detail: { summary: "This director's view of the fleet: capacity per pool, hosts that need attention, 24 hours of sessions and healthy hosts", ...ADMIN },
  });
