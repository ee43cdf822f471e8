import { Elysia } from 'elysia';
import { badRequest } from '../../shared/errors.ts';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { AuditAnswer, AuditQuery } from './models.ts';
import type { AuditLog } from './types.ts';

const OUTCOMES = new Set(['success', 'failure']);

/** GET /v1/admin/audit: audit events, newest first, filtered by type, actor, outcome and time (read-only). */
export const adminAuditRoutes = (d: { tokens: TokenService; audit: AuditLog }) =>
  new Elysia({ name: 'director.admin.audit', prefix: '/v1/admin' }).use(requireAdmin(d.tokens)).get(
    '/audit',
    async ({ query }) => {
      const str = (k: keyof typeof query) => (typeof query[k] === 'string' && query[k] !== '' ? (query[k] as string).slice(0, 128) : undefined);
      const outcome = str('outcome');
      if (outcome && !OUTCOMES.has(outcome)) throw badRequest('INVALID_FILTER', 'outcome must be success or failure');
      const limit = str('limit') ? Number(str('limit')) : 200;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('INVALID_FILTER', 'limit must be 1 to 1000');
      const since = str('since') ? Date.parse(str('since')!) : undefined;
      if (since !== undefined && Number.isNaN(since)) throw badRequest('INVALID_FILTER', 'since must be an ISO time');
      return { events: await d.audit.list({ type: str('type'), actor: str('actor'), outcome: outcome as 'success' | 'failure' | undefined, since, limit }) };
    },
    { query: AuditQuery, response: { 200: AuditAnswer, ...errorAnswers(400, 401, 403) }, detail: { summary: 'Audit events, newest first', ...ADMIN } },
  );
