import { ApiError } from '../../shared/errors.ts';

/** Outcome of one DCV auth-token verification or gateway session resolution. */
export type DcvOutcome = (endpoint: 'verifier' | 'resolver', result: 'yes' | 'no', reason: string) => void;

/**
 * Wraps the gateway resolver's handler so each call reports yes ("resolved") or no with the error's
 * code as reason (SESSION_NOT_FOUND, GATEWAY_NOT_ALLOWED, ...); the error still goes to the client.
 */
export function countedResolver<C, R>(onOutcome: DcvOutcome | undefined, handler: (ctx: C) => R): (ctx: C) => R {
  return (ctx) => {
    try {
      const answer = handler(ctx);
      onOutcome?.('resolver', 'yes', 'resolved');
      return answer;
    } catch (err) {
      onOutcome?.('resolver', 'no', err instanceof ApiError ? err.code : 'INTERNAL');
      throw err;
    }
  };
}

/** The verifier's reason label: why a token was accepted or refused, from what the route saw. */
export function verifierReason(wellFormed: boolean, user: string | undefined): string {
  if (user) return 'valid';
  return wellFormed ? 'token_rejected' : 'malformed_request';
}
