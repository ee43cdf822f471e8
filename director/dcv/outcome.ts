import { ApiError } from '../../shared/errors.ts';

/** Outcome of one DCV auth-token verification or gateway session resolution. */
export type DcvOutcome = (endpoint: 'verifier' | 'resolver', result: 'yes' | 'no', reason: string) => void;

/** What a resolver step reads of the call. */
export interface ResolverCall {
  request: Request;
  query?: Record<string, string | undefined>;
  body: unknown;
}

/** Hears each resolver outcome with the call's context (for the audit) and, on yes, the answer. */
export type ResolverReport<C> = (result: 'yes' | 'no', reason: string, ctx: C, answer?: unknown) => void;

/**
 * Wraps a gateway resolver step (route hook or handler) so each call reports no with the error's code
 * as reason (GATEWAY_NOT_ALLOWED, INVALID_JSON, SESSION_NOT_FOUND, ...), and the handler (`answers`)
 * reports yes ("resolved") with its answer; the error still goes to the client.
 */
export function countedResolver<C extends ResolverCall, R>(report: ResolverReport<C>, step: (ctx: C) => R, answers = true): (ctx: C) => R {
  const refused = (err: unknown, ctx: C) => report('no', err instanceof ApiError ? err.code : 'INTERNAL', ctx);
  // Destructured, not taken whole: Elysia reads a hook's parameters to decide what the route prepares,
  // and a whole context passed on would make every call parse cookies and copy its headers.
  return ({ request, query, body }) => {
    const ctx = { request, query, body } as C;
    try {
      const answer = step(ctx);
      if (answer instanceof Promise) {
        return answer.then(
          (value) => {
            if (answers) report('yes', 'resolved', ctx, value);
            return value;
          },
          (err) => {
            refused(err, ctx);
            throw err;
          },
        ) as R;
      }
      if (answers) report('yes', 'resolved', ctx, answer);
      return answer;
    } catch (err) {
      refused(err, ctx);
      throw err;
    }
  };
}

/** The verifier's reason label: why a token was accepted or refused, from what the route saw. */
export function verifierReason(wellFormed: boolean, user: string | undefined): string {
  if (user) return 'valid';
  return wellFormed ? 'token_rejected' : 'malformed_request';
}
