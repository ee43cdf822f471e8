import { Elysia } from 'elysia';
import { codeOnPath } from '../api/coded.ts';
import { mismatchText } from '../api/model-check.ts';
import type { ErrorCode } from '../api/error-codes.ts';
import { ApiError, envelope } from '../errors.ts';
import type { Logger } from '../log.ts';
import { currentRequestId } from './request-context.ts';

/**
 * The one error handler: ApiError -> its status and envelope; Elysia's own errors -> stable codes;
 * anything else -> 500 INTERNAL with the details only in the log, under the request id.
 */
export function errorHandler(log: Logger, allowedMethods?: (path: string) => string[]) {
  // onError takes the context whole and destructures it inside, not `...rest`: Elysia reads global
  // hooks' parameters to decide what every route prepares, and a rest element makes every request
  // parse its cookies and query.
  return new Elysia({ name: 'dcvix.errors' })
    .derive({ as: 'global' }, () => ({ requestId: currentRequestId() ?? crypto.randomUUID() }))
    .onAfterHandle({ as: 'global' }, ({ set, requestId }) => {
      set.headers['x-request-id'] = requestId;
    })
    .onError({ as: 'global' }, (context) => {
      const { error, code, set, request } = context;
      const requestId = (context as { requestId?: string }).requestId ?? currentRequestId() ?? crypto.randomUUID();
      let err = toApiError(error, String(code));
      if (String(code) === 'NOT_FOUND' && !(error instanceof ApiError) && allowedMethods) {
        const allow = allowedMethods(new URL(request.url).pathname);
        if (allow.length > 0 && !allow.includes(request.method)) {
          err = new ApiError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use ${allow.join(', ')}`, undefined, { allow: allow.join(', ') });
        }
      }
      if (err.status >= 500) {
        const path = new URL(request.url).pathname;
        // Only the failing field and why: the answer itself may hold tokens.
        const mismatch = String(code) === 'VALIDATION' ? (error as ValidationDetail).valueError : undefined;
        if (mismatch) log.error('answer does not match its declared model', { requestId, method: request.method, path, field: mismatch.path, problem: mismatch.message });
        else log.error('request failed', { requestId, method: request.method, path, error });
      }
      set.status = err.status;
      set.headers['content-type'] = 'application/json';
      set.headers['x-request-id'] = requestId;
      for (const [name, value] of Object.entries(err.headers ?? {})) set.headers[name] = value;
      return envelope(err, requestId) as unknown as Record<string, unknown>;
    });
}

/** What Elysia's ValidationError tells about the first failing value (TypeBox's ValueError). */
interface ValidationDetail {
  type?: string;
  valueError?: { path?: string; message?: string; schema?: Record<string, unknown> };
  validator?: { schema?: Record<string, unknown> };
}

/**
 * A request that fails its route's model: 400 with the field's path and the code the model names for
 * that field (`x-error-code`, see shared/api/coded.ts), else INVALID_BODY / INVALID_QUERY /
 * INVALID_PARAMS. An answer that fails its declared model is our bug: 500, and loud in the log.
 */
function validationError(error: ValidationDetail): ApiError {
  const where = error.type ?? 'body';
  if (where === 'response') return new ApiError(500, 'INTERNAL', 'internal error');
  const path = error.valueError?.path ?? '';
  // Routes declare body, query and params models only: INVALID_BODY, INVALID_QUERY or INVALID_PARAMS.
  const code = codeOnPath(error.validator?.schema, path) ?? (`INVALID_${where === 'body' ? 'BODY' : where.toUpperCase()}` as ErrorCode);
  return new ApiError(400, code, mismatchText({ path, message: error.valueError?.message ?? 'is not valid' }, where === 'body' ? 'request body' : where));
}

function toApiError(error: unknown, code: string): ApiError {
  if (error instanceof ApiError) return error;
  switch (code) {
    case 'NOT_FOUND':
      return new ApiError(404, 'NOT_FOUND', 'no such route');
    case 'PARSE':
      // Our own body parsers (director/http/models.ts) throw ApiErrors; Elysia wraps them.
      if ((error as Error).cause instanceof ApiError) return (error as Error).cause as ApiError;
      return new ApiError(400, 'INVALID_BODY', 'request body could not be parsed');
    case 'VALIDATION':
      return validationError(error as ValidationDetail);
    case 'INVALID_COOKIE_SIGNATURE':
      return new ApiError(401, 'UNAUTHENTICATED', 'not logged in');
    default:
      return new ApiError(500, 'INTERNAL', 'internal error');
  }
}
