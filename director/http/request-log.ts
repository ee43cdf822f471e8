import { Elysia } from 'elysia';
import type { Logger } from '../../shared/log.ts';
import { routeLabel } from './route-label.ts';

/** Routes too frequent to log at info (agents update every 30 s each, health checks poll) or that log their own line. */
const QUIET = new Set(['/v1/agent/update', '/v1/health', '/metrics', '/v1/user/authtokenverify']);

/**
 * One structured log line per request (method, route, status, duration, request id, client address)
 * and the request duration for /metrics, labelled by route template (route-label.ts).
 */
export function requestLog(log: Logger, observe: (route: string, method: string, status: number, seconds: number) => void, remote: (r: Request) => string) {
  const started = new WeakMap<Request, number>();
  // The after-response context is destructured, never passed on whole: Elysia reads a global hook's
  // parameters to decide what every route prepares, and a whole context passed to a function makes
  // every request parse its cookies and query and copy its headers into an object.
  return new Elysia({ name: 'director.request-log' })
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onAfterResponse({ as: 'global' }, ({ request, route: matched, set, requestId }: { request: Request; route?: unknown; set: { status?: unknown }; requestId?: string }) => {
      const route = routeLabel({ route: matched });
      const status = typeof set.status === 'number' ? set.status : 200;
      const ms = performance.now() - (started.get(request) ?? performance.now());
      observe(route, request.method, status, ms / 1000);
      const fields = {
        requestId,
        method: request.method,
        route,
        status,
        ms: Math.round(ms * 10) / 10,
        client: remote(request),
      };
      if (status >= 500) log.error('request', fields);
      else if (QUIET.has(route) && status < 400) log.debug('request', fields);
      else log.info('request', fields);
    });
}
