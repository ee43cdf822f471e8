import type { ErrorCode } from './api/error-codes.ts';

/**
 * One error type for every program: a stable SCREAMING_SNAKE code, an HTTP status, a message safe to
 * show to the caller, and (for multi-step logins) the fields the client still has to send.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly expected?: readonly string[],
    readonly headers?: Readonly<Record<string, string>>,
    /** Extra envelope fields a client needs (a challenge's state), never internals. */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (code: ErrorCode, message: string) => new ApiError(400, code, message);
export const unauthorized = (code: ErrorCode, message: string) => new ApiError(401, code, message);
export const forbidden = (code: ErrorCode, message: string) => new ApiError(403, code, message);
export const notFound = (code: ErrorCode, message: string) => new ApiError(404, code, message);
export const conflict = (code: ErrorCode, message: string) => new ApiError(409, code, message);

/** The JSON envelope every error response carries. */
export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; expected?: readonly string[]; requestId?: string; [extra: string]: unknown };
}

export function envelope(err: ApiError, requestId?: string): ErrorEnvelope {
  return {
    error: {
      ...err.details,
      code: err.code,
      message: err.message,
      ...(err.expected ? { expected: err.expected } : {}),
      ...(requestId ? { requestId } : {}),
    },
  };
}
