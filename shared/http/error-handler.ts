import { Elysia } from 'elysia';
import { ApiError, envelope } from '../errors.ts';
import type { Logger } from '../log.ts';
import { currentRequestId } from './request-context.ts';

/**
 * The one error handler: ApiError -> its status and envelope; Elysia's own errors -> stable codes;
 * anything else -> 500 INTERNAL with the details only in the log, under the request id.
 */
export function errorHandler(log: Logger, allowedMethods?: (path: string) => string[]) {
  return new Elysia({ name: 'dcvix.errors' })
    .derive({ as: 'global' }, () => ({ requestId: currentRequestId() ?? crypto.randomUUID() }))
    .onAfterHandle({ as: 'global' }, ({ set, requestId }) => {
      set.headers['x-request-id'] = requestId;
    })
    .onError({ as: 'global' }, ({ error, code, set, request, ...ctx }) => {
      const requestId = (ctx as { requestId?: string }).requestId ?? currentRequestId() ?? crypto.randomUUID();
      let err = toApiError(error, String(code));
      if (String(code) === 'NOT_FOUND' && !(error instanceof ApiError) && allowedMethods) {
        const allow = allowedMethods(new URL(request.url).pathname);
        if (allow.length > 0 && !allow.includes(request.method)) {
          err = new ApiError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use ${allow.join(', ')}`, undefined, { allow: allow.join(', ') });
        }
      }
      if (err.status >= 500) {
        log.error('request failed', { requestId, method: request.method, path: new URL(request.url).pathname, error });
      }
      set.status = err.status;
      set.headers['content-type'] = 'application/json';
      set.headers['x-request-id'] = requestId;
      for (const [name, value] of Object.entries(err.headers ?? {})) set.headers[name] = value;
      return envelope(err, requestId) as unknown as Record<string, unknown>;
    });
}

function toApiError(error: unknown, code: string): ApiError {
  if (error instanceof ApiError) return error;
  switch (code) {
    case 'NOT_FOUND':
      return new ApiError(404, 'NOT_FOUND', 'no such route');
    case 'PARSE':
      return new ApiError(400, 'INVALID_BODY', 'request body could not be parsed');
    case 'VALIDATION':
      return new ApiError(400, 'INVALID_BODY', 'request body is not valid');
    case 'INVALID_COOKIE_SIGNATURE':
      return new ApiError(401, 'UNAUTHENTICATED', 'not logged in');
    default:
      return new ApiError(500, 'INTERNAL', 'internal error');
  }
}
