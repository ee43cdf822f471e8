/**
 * Single sign-on on the sign-in pages: a "Sign in with <provider>" link per configured OpenID provider
 * (a plain navigation to the director, which redirects to the provider), the reason a sign-in through a
 * provider failed (the director sends the browser back with `sso_error` and `provider`), and ending the
 * provider's session at sign-out.
 */
import { html } from 'htm/preact';
import { call, director } from '../api.ts';
import { useQuery } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import type { Route } from '../router.ts';
import type { ErrorCode } from '../../shared/api/error-codes.ts';

/** What each failure means to the person signing in. */
const FAILURES: Partial<Record<ErrorCode, string>> = {
  OIDC_UNKNOWN_PROVIDER: 'That sign-in provider is not configured here.',
  OIDC_PROVIDER_UNAVAILABLE: 'The sign-in provider could not be reached or did not answer in time. Try again in a moment.',
  OIDC_PROVIDER_REFUSED: 'The sign-in provider did not sign you in.',
  OIDC_STATE_MISMATCH: 'This sign-in was not started on this page, was already used, or took too long. Start again.',
  OIDC_CODE_REJECTED: 'The sign-in provider refused the sign-in (it may have been used already). Start again.',
  OIDC_TOKEN_INVALID: "The sign-in provider's answer did not pass the security checks. Ask your administrator.",
  OIDC_USER_CLAIM_MISSING: 'The sign-in provider did not tell us your user name. Ask your administrator.',
  OIDC_NOT_ALLOWED: 'This account may not sign in here.',
  OIDC_USER_UNKNOWN: 'Your account has no access to any desktop here. Ask your administrator.',
  NOT_ADMIN: 'This account is not an administrator. Use the regular sign-in.',
};

/** The providers and whether the password form shows; none (and the form) until the director answers. */
export function useSso() {
  const answer = useQuery({
    queryKey: queryKeys.ssoProviders,
    queryFn: () => call(director.v1.auth.oidc.providers.get(), { noSignOut: true }),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  return { providers: answer.data?.providers ?? [], passwordForm: answer.data?.passwordForm ?? true };
}

/** The buttons, and the failure that sent the browser back here (if any). */
export function SsoButtons({ route, sso, admin, next }: { route: Route; sso: ReturnType<typeof useSso>; admin: boolean; next: string }) {
  const code = route.params.get('sso_error');
  const failed = code ? sso.providers.find((p) => p.name === route.params.get('provider')) : undefined;
  if (!code && sso.providers.length === 0) return null;
  const start = (name: string) => `/v1/auth/oidc/${encodeURIComponent(name)}/start?${new URLSearchParams({ role: admin ? 'admin' : 'user', ...(next ? { next } : {}) })}`;
  return html`<div class="sso">
    ${
      code
        ? html`<div class="note note-error" role="alert" data-testid="sso-error">
            <p><strong>Single sign-on${failed ? ` with ${failed.displayName}` : ''} failed.</strong> ${FAILURES[code as ErrorCode] ?? 'The sign-in did not complete.'}</p>
            <p class="muted">Error code: <code>${code}</code></p>
          </div>`
        : null
    }
    ${sso.providers.map((p) => html`<a class="btn btn-block" key=${p.name} href=${start(p.name)} data-testid=${`sso-${p.name}`}>Sign in with ${p.displayName}</a>`)}
    ${sso.passwordForm && sso.providers.length > 0 ? html`<p class="sso-or"><span>or with your password</span></p>` : null}
  </div>`;
}

/**
 * After POST /v1/logout: the provider's end-session address when this sign-in came through a provider
 * that offers one, else undefined. Never fails: the local sign-out already happened.
 */
export async function providerSignOut(): Promise<string | undefined> {
  try {
    return (await call(director.v1.auth.oidc.signout.post(), { noSignOut: true })).url;
  } catch {
    return undefined;
  }
}
