import { Elysia } from 'elysia';
import type { Logger } from '../../shared/log.ts';

/** Routes too frequent to log at info (agents update every 30 s each, health checks poll) or that log their own line. */
const QUIET = new Set(['/v1/agent/update', '/v1/health', '/metrics', '/v1/user/authtokenverify']);

/**
 * One structured log line per request (method, route, status, duration, request id, client address)
 * and the request counter for /metrics.
 */
export function requestLog(log: Logger, count: (route: string, method: string, status: number) => void, remote: (r: Request) => string) {
  const started = new WeakMap<Request, number>();
  return new Elysia({ name: 'director.request-log' })
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onAfterResponse({ as: 'global' }, (ctx) => {
      const route = (ctx as { route?: string }).route ?? 'unmatched';
      const status = typeof ctx.set.status === 'number' ? ctx.set.status : 200;
      count(route, ctx.request.method, status);
      const fields = {
        requestId: (ctx as { requestId?: string }).requestId,
        method: ctx.request.method,
        route,
        status,
        ms: Math.round((performance.now() - (started.get(ctx.request) ?? performance.now())) * 10) / 10,
        client: remote(ctx.request),
      };
      if (status >= 500) log.error('request', fields);
      else if (QUIET.has(route) && status < 400) log.debug('request', fields);
      else log.info('request', fields);
    });
}
