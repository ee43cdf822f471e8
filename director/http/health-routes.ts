import { Elysia } from 'elysia';
import { HealthAnswer } from './models.ts';

/** GET /v1/health: liveness, for load balancers and probes (no login, no store access). */
export const healthRoutes = () => new Elysia({ name: 'director.health' }).get('/v1/health', () => ({ status: 'ok' as const }), { response: { 200: HealthAnswer }, detail: { summary: 'Liveness' } });
