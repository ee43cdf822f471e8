import { Elysia } from 'elysia';
import type { Logger } from '../../shared/log.ts';

/**
 * One JSON line per request the agent serves (method, route, status, ms, caller address and the request
 * id, which is the director's own when the director called).
 */
export function agentRequestLog(log: Logger) {
  const started = new WeakMap<Request, number>();
  return new Elysia({ name: 'agent.request-log' })
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onAfterResponse({ as: 'global' }, (ctx) => {
      const status = typeof ctx.set.status === 'number' ? ctx.set.status : 200;
      log.info('request', {
        requestId: (ctx as { requestId?: string }).requestId,
        method: ctx.request.method,
        route: (ctx as { route?: string }).route ?? new URL(ctx.request.url).pathname,
        status,
        ms: Math.round((performance.now() - (started.get(ctx.request) ?? performance.now())) * 10) / 10,
      });
    });
}
