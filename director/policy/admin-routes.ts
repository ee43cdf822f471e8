import { Elysia } from 'elysia';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import type { PolicyHolder } from './holder.ts';
import { PolicyAnswer } from './models.ts';

/** GET /v1/admin/policy: the policy as loaded, with the last reload's outcome (read-only). */
export const adminPolicyRoutes = (d: { tokens: TokenService; policy: PolicyHolder }) =>
  new Elysia({ name: 'director.admin.policy', prefix: '/v1/admin' }).use(requireAdmin(d.tokens)).get('/policy', () => ({ status: d.policy.state, documents: d.policy.documents }), {
    response: { 200: PolicyAnswer, ...errorAnswers(401, 403) },
    detail: { summary: 'The policy as loaded, with the last reload outcome', ...ADMIN },
  });
