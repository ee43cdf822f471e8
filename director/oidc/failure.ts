/**
 * Why a single sign-on failed: a stable code and status with a message safe to show (the web app's
 * sign-in page shows both), and a reason for the audit log and the director's log only (it may quote
 * the provider's own words, never tokens).
 */
import * as oidc from 'openid-client';
import type { ErrorCode } from '../../shared/api/error-codes.ts';
import { ApiError } from '../../shared/errors.ts';

const MESSAGES = {
  OIDC_UNKNOWN_PROVIDER: [404, 'no single sign-on provider of that name is configured'],
  OIDC_PROVIDER_UNAVAILABLE: [503, 'the sign-in provider did not answer in time or could not be reached; try again later'],
  OIDC_PROVIDER_REFUSED: [401, 'the sign-in provider did not sign you in'],
  OIDC_STATE_MISMATCH: [400, 'this sign-in was not started here, was already used or took too long; start again'],
  OIDC_CODE_REJECTED: [401, 'the sign-in provider refused the sign-in code (it may have been used already); start again'],
  OIDC_TOKEN_INVALID: [401, "the sign-in provider's answer failed its checks (issuer, audience, expiry, signature or nonce)"],
  OIDC_USER_CLAIM_MISSING: [401, 'the sign-in provider did not say who you are (no user name claim)'],
  OIDC_NOT_ALLOWED: [403, 'this account may not sign in here'],
  OIDC_USER_UNKNOWN: [403, 'this account has no access to any desktop here'],
  NOT_ADMIN: [403, 'this account may not use the admin interface'],
} as const satisfies Partial<Record<ErrorCode, readonly [number, string]>>;

export type OidcErrorCode = keyof typeof MESSAGES;

/** A failed sign-in: an ApiError plus the reason that goes into the audit log. */
export class OidcFailure extends ApiError {
  constructor(
    code: OidcErrorCode,
    readonly reason: string,
  ) {
    super(MESSAGES[code][0], code, MESSAGES[code][1]);
  }
}

/** Provider answers that mean "not there right now" rather than "said no". */
const UNAVAILABLE_CODES = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON']);

/** A discovery that failed, for whatever reason: the provider is not usable right now. */
export function unavailable(err: unknown): OidcFailure {
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return new OidcFailure('OIDC_PROVIDER_UNAVAILABLE', `discovery: ${err instanceof Error ? err.message : String(err)}${cause}`.slice(0, 300));
}

/**
 * What an openid-client error means for the user: the provider's error answer at the token endpoint
 * (invalid_grant: a code used twice or expired), a check of the ID token that failed, or the provider
 * unreachable, slow (timeout) or answering garbage.
 */
export function classify(err: unknown): OidcFailure {
  if (err instanceof OidcFailure) return err;
  if (err instanceof oidc.ResponseBodyError) {
    return new OidcFailure(err.error === 'invalid_grant' ? 'OIDC_CODE_REJECTED' : 'OIDC_PROVIDER_REFUSED', `token endpoint: ${err.error}`);
  }
  if (err instanceof oidc.AuthorizationResponseError) return new OidcFailure('OIDC_PROVIDER_REFUSED', `provider answered ${err.error}`);
  if (err instanceof oidc.ClientError && err.code && !UNAVAILABLE_CODES.has(err.code)) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return new OidcFailure('OIDC_TOKEN_INVALID', `${err.code}: ${err.message}${cause}`.slice(0, 300));
  }
  return new OidcFailure('OIDC_PROVIDER_UNAVAILABLE', err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : 'provider unreachable');
}
