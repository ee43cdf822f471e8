import { ApiError } from '../../shared/errors.ts';

/** Outcome of one DCV auth-token verification or gateway session resolution. */
export type DcvOutcome = (endpoint: 'verifier' | 'resolver', result: 'yes' | 'no', reason: string) => void;

/**
 * Wraps a gateway resolver step (route hook or handler) so each call reports no with the error's code
 * as reason (GATEWAY_NOT_ALLOWED, INVALID_JSON, SESSION_NOT_FOUND, ...), and the handler (`answers`)
 * reports yes ("resolved"); the error still goes to the client.
 */
export function countedResolver<C, R>(onOutcome: DcvOutcome | undefined, step: (ctx: C) => R, answers = true): (ctx: C) => R {
  const refused = (err: unknown) => onOutcome?.('resolver', 'no', err instanceof ApiError ? err.code : 'INTERNAL');
  return (ctx) => {
    try {
      const answer = step(ctx);
      if (answer instanceof Promise) {
        return answer.then(
          (value) => {
            if (answers) onOutcome?.('resolver', 'yes', 'resolved');
            return value;
          },
          (err) => {
            refused(err);
            throw err;
          },
        ) as R;
      }
      if (answers) onOutcome?.('resolver', 'yes', 'resolved');
      return answer;
    } catch (err) {
      refused(err);
      throw err;
    }
  };
}

/** The verifier's reason label: why a token was accepted or refused, from what the route saw. */
export function verifierReason(wellFormed: boolean, user: string | undefined): string {
  if (user) return 'valid';
  return wellFormed ? 'token_rejected' : 'malformed_request';
}
