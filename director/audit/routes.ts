import { Elysia } from 'elysia';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { exportAuditCsv } from './csv.ts';
import { AuditAnswer, AuditCsv, AuditCsvQuery, AuditQuery } from './models.ts';
import { auditFilterFromQuery } from './query.ts';
import type { PagedAuditLog } from './types.ts';

/**
 * GET /v1/admin/audit: audit events, newest first, filtered by type, actor, outcome and time, a page at
 * a time; GET /v1/admin/audit.csv: the same as a CSV file (read-only, admins only).
 */
export const adminAuditRoutes = (d: { tokens: TokenService; audit: PagedAuditLog }) =>
  new Elysia({ name: 'director.admin.audit', prefix: '/v1/admin' })
    .use(requireAdmin(d.tokens))
    .get('/audit', ({ query }) => d.audit.page(auditFilterFromQuery(query, true)), {
      query: AuditQuery,
      response: { 200: AuditAnswer, ...errorAnswers(400, 401, 403) },
      detail: { summary: 'Audit events, newest first, a page at a time (`next` while older events match)', ...ADMIN },
    })
    .get(
      '/audit.csv',
      async ({ query }) => {
        const { csv, next } = await exportAuditCsv(d.audit, auditFilterFromQuery(query, false));
        const day = new Date().toISOString().slice(0, 10);
        return new Response(csv, {
          headers: {
            'content-type': 'text/csv; charset=utf-8; header=present',
            'content-disposition': `attachment; filename="dcvix-audit-${day}.csv"`,
            'cache-control': 'no-store',
            ...(next ? { 'x-audit-next': next } : {}),
          },
        });
      },
      {
        query: AuditCsvQuery,
        response: { 200: AuditCsv, ...errorAnswers(400, 401, 403) },
        detail: { summary: 'Audit events as a CSV file (same filters; at most 50,000 rows, X-Audit-Next names the rest)', ...ADMIN },
      },
    );
