import { ApiError } from '../../shared/errors.ts';

/** Outcome of one DCV auth-token verification or gateway session resolution. */
export type DcvOutcome = (endpoint: 'verifier' | 'resolver', result: 'yes' | 'no', reason: string) => void;

/** Hears each resolver outcome with the call's context (for the audit) and, on yes, the answer. */
export type ResolverReport<C> = (result: 'yes' | 'no', reason: string, ctx: C, answer?: unknown) => void;

/**
 * Wraps a gateway resolver step (route hook or handler) so each call reports no with the error's code
 * as reason (GATEWAY_NOT_ALLOWED, INVALID_JSON, SESSION_NOT_FOUND, ...), and the handler (`answers`)
 * reports yes ("resolved") with its answer; the error still goes to the client.
 */
export function countedResolver<C, R>(report: ResolverReport<C>, step: (ctx: C) => R, answers = true): (ctx: C) => R {
  const refused = (err: unknown, ctx: C) => report('no', err instanceof ApiError ? err.code : 'INTERNAL', ctx);
  return (ctx) => {
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
