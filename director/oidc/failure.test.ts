import { describe, expect, test } from 'bun:test';
import * as oidc from 'openid-client';
import { classify, OidcFailure, unavailable } from './failure.ts';

const coded = (code: string) => Object.assign(new oidc.ClientError('checks failed'), { code });

describe('what a failed single sign-on means', () => {
  test('ok: each failure gets a stable code and status; the reason stays for the audit log', () => {
    expect(classify(coded('OAUTH_JWT_CLAIM_COMPARISON_FAILED'))).toMatchObject({ code: 'OIDC_TOKEN_INVALID', status: 401 });
    expect(classify(coded('OAUTH_TIMEOUT'))).toMatchObject({ code: 'OIDC_PROVIDER_UNAVAILABLE', status: 503 });
    expect(classify(coded('OAUTH_RESPONSE_IS_NOT_CONFORM')).code).toBe('OIDC_PROVIDER_UNAVAILABLE');
    expect(classify(new TypeError('fetch failed')).code).toBe('OIDC_PROVIDER_UNAVAILABLE');
    expect(unavailable(new Error('connect ECONNREFUSED'))).toMatchObject({ code: 'OIDC_PROVIDER_UNAVAILABLE', reason: 'discovery: connect ECONNREFUSED' });
    const known = new OidcFailure('OIDC_USER_UNKNOWN', 'not in the policy');
    expect(classify(known)).toBe(known);
    expect(known.message).not.toContain('policy (');
  });
});
