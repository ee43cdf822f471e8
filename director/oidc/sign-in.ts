/**
 * Single sign-on with OpenID Connect, authorization code flow with PKCE, state and nonce:
 * start -> the provider's sign-in page -> callback: the code is exchanged, the ID token checked
 * (issuer, audience, expiry, nonce, auth_time, signature against the provider's keys), the user name and
 * groups taken from its claims, the policy asked, and the same session token and cookie issued as a
 * password login's, with authTime from the ID token. Every outcome is one `login.oidc` audit event; a
 * failure redirects to the sign-in page with its code and issues nothing.
 */
import * as oidc from 'openid-client';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { AuditLog } from '../audit/types.ts';
import { sessionCookie } from '../http/cookies.ts';
import { groupsOf, isAdmin } from '../policy/evaluate.ts';
import type { Policy } from '../policy/schema.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { claimedGroups, refusalOf, usernameOf } from './claims.ts';
import type { ProviderDirectory } from './discovery.ts';
import { classify, OidcFailure, unavailable } from './failure.ts';
import { SIGNOUT_COOKIE, TRANSACTION_COOKIE, seal, sealedCookie, unseal, type LoginTransaction } from './sealed-cookie.ts';
import type { OidcProvider } from './settings.ts';

const TRANSACTION_TTL_MS = 10 * 60_000;
const MAX_NEXT = 512;

export interface OidcSignInDeps {
  providers: readonly OidcProvider[];
  directory: ProviderDirectory;
  /** The token key: seals the login transaction and sign-out cookies. */
  key: Uint8Array;
  /** public_url: redirect URIs start with it. */
  publicOrigin: string;
  tokens: TokenService;
  policy: () => Policy;
  audit: AuditLog;
  log: Logger;
  clock: Clock;
  sessionTtlMs: number;
  sessionAbsoluteMaxMs: number;
  /**
   * Whether the sign-in of `sub` at `authTime` has been signed out (POST /v1/logout revokes the whole
   * login). Sign-out at the provider waits for it: a hint left by an earlier single sign-on must not end
   * the provider's session when the browser signed in again another way and signs out of that.
   */
  signedOut: (login: { sub: string; authTime: string }) => Promise<boolean>;
}

/** A browser navigation's answer: where to go next and the cookies to set on the way. */
export interface Navigation {
  location: string;
  cookies: string[];
}

type Role = 'user' | 'admin';

/** The sign-in page showing a failure (the web app reads sso_error and provider). */
const failurePage = (role: Role, code: string, provider: string) => `/#/${role === 'admin' ? 'admin/login' : 'login'}?${new URLSearchParams({ sso_error: code, provider })}`;

/** A same-app path to return to after sign-in ("/" when absent or not one). */
export function safeNext(next: string | undefined): string {
  // Printable ASCII only: it goes into a Location header.
  if (!next || next.length > MAX_NEXT || !/^\/[\x21-\x7e]*$/.test(next) || next.startsWith('//') || next.includes('\\') || next.startsWith('/login')) return '';
  return next;
}

/** A provider name fit for the audit log and the address bar (it comes from the URL). */
const label = (name: string) => name.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64) || '-';

/** Does the policy give this user anything: listed, an admin, or in a group it names? */
function knownToPolicy(policy: Policy, user: string, groups: readonly string[]): boolean {
  return policy.users.has(user) || policy.admins.has(user) || groups.some((g) => policy.groups.has(g) || policy.adminGroups.has(g));
}

/** The sign-in flow over the configured providers (see the module comment). */
export function createOidcSignIn(deps: OidcSignInDeps) {
  const byName = new Map(deps.providers.map((p) => [p.name, p]));
  const redirectUri = (provider: string) => `${deps.publicOrigin}/v1/auth/oidc/${encodeURIComponent(provider)}/callback`;
  const clearTransaction = sealedCookie(TRANSACTION_COOKIE, '', 0);

  const fail = (role: Role, provider: string, err: unknown, clientAddress: string, actor?: string): Navigation => {
    const failure = classify(err);
    deps.audit.record({ type: 'login.oidc', actor, clientAddress, backend: `oidc:${provider}`, outcome: 'failure', detail: `role=${role}; ${failure.code}: ${failure.reason}` });
    deps.log.info('single sign-on failed', { provider, role, code: failure.code, reason: failure.reason, clientAddress });
    return { location: failurePage(role, failure.code, provider), cookies: [clearTransaction] };
  };

  function providerNamed(name: string): OidcProvider {
    const provider = byName.get(name);
    if (!provider) throw new OidcFailure('OIDC_UNKNOWN_PROVIDER', `no provider "${label(name)}"`);
    return provider;
  }

  const configurationOf = (provider: OidcProvider) =>
    deps.directory.configuration(provider).catch((err: unknown) => {
      throw unavailable(err);
    });

  async function exchange(provider: OidcProvider, tx: LoginTransaction, query: URLSearchParams) {
    const config = await configurationOf(provider);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(`${redirectUri(provider.name)}?${query}`), {
      pkceCodeVerifier: tx.verifier,
      expectedState: tx.state,
      expectedNonce: tx.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new OidcFailure('OIDC_TOKEN_INVALID', 'no ID token');
    return { claims: claims as unknown as Record<string, unknown>, idToken: tokens.id_token };
  }

  return {
    /** The buttons the sign-in page shows. */
    list: () => deps.providers.map((p) => ({ name: p.name, displayName: p.displayName })),

    /** Starts a sign-in: the provider's authorization URL and the sealed transaction cookie. */
    async start(name: string, role: Role, next: string | undefined, clientAddress: string): Promise<Navigation> {
      try {
        const provider = providerNamed(name);
        const config = await configurationOf(provider);
        const tx: LoginTransaction = { provider: provider.name, role, state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier(), next: safeNext(next) };
        const url = oidc.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri(provider.name),
          scope: provider.scopes.join(' '),
          state: tx.state,
          nonce: tx.nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(tx.verifier),
          code_challenge_method: 'S256',
          // An older sign-in at the provider could not be renewed here anyway (session_absolute_max).
          max_age: String(Math.floor(deps.sessionAbsoluteMaxMs / 1000)),
        });
        const sealed = await seal(deps.key, 'transaction', tx, deps.clock.now(), TRANSACTION_TTL_MS);
        return { location: url.href, cookies: [sealedCookie(TRANSACTION_COOKIE, sealed, TRANSACTION_TTL_MS)] };
      } catch (err) {
        return fail(role, label(name), err, clientAddress);
      }
    },

    /** The provider's redirect back: checks everything, then signs the user in (or shows why not). */
    async finish(name: string, query: URLSearchParams, transaction: string | undefined, clientAddress: string): Promise<Navigation> {
      const tx = await unseal(deps.key, 'transaction', transaction, deps.clock.now());
      const role: Role = tx?.role ?? 'user';
      let user: string | undefined;
      try {
        const provider = providerNamed(name);
        if (!tx || tx.provider !== provider.name || query.get('state') !== tx.state) {
          throw new OidcFailure('OIDC_STATE_MISMATCH', tx ? 'state or provider does not match the transaction' : 'no valid transaction cookie');
        }
        const { claims, idToken } = await exchange(provider, tx, query);
        user = usernameOf(claims, provider);
        if (!user) throw new OidcFailure('OIDC_USER_CLAIM_MISSING', `no usable "${provider.usernameClaim}" or "${provider.usernameFallbackClaim}" claim`);
        const refusal = refusalOf(claims, provider);
        if (refusal) throw new OidcFailure('OIDC_NOT_ALLOWED', refusal);
        const policy = deps.policy();
        const groups = groupsOf(policy, user, claimedGroups(claims, provider));
        if (!knownToPolicy(policy, user, groups)) throw new OidcFailure('OIDC_USER_UNKNOWN', 'not in the policy (users, admins, groups)');
        if (role === 'admin' && !isAdmin(policy, user, groups)) throw new OidcFailure('NOT_ADMIN', 'not an admin');

        const now = deps.clock.now();
        // auth_time when the provider sends it (max_age asks for it; not every provider does), else now.
        const authMs = typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : now;
        // The sign-in cannot outlive session_absolute_max counted from the provider's authentication.
        const ttlMs = Math.min(deps.sessionTtlMs, authMs + deps.sessionAbsoluteMaxMs - now);
        if (ttlMs < 1000) throw new OidcFailure('OIDC_TOKEN_INVALID', 'auth_time older than session_absolute_max');
        const authTime = new Date(authMs).toISOString();
        const { token } = await deps.tokens.issueSession({ sub: user, role, groups, ttlMs, authTime });
        const cookies = [clearTransaction, sessionCookie(token, ttlMs)];
        if (provider.endSession && idToken) {
          const hint = await seal(deps.key, 'signout', { provider: provider.name, idToken, sub: user, authTime }, now, deps.sessionAbsoluteMaxMs);
          cookies.push(sealedCookie(SIGNOUT_COOKIE, hint, deps.sessionAbsoluteMaxMs));
        }
        deps.audit.record({ type: 'login.oidc', actor: user, clientAddress, backend: `oidc:${provider.name}`, outcome: 'success', detail: `role=${role}; groups=${groups.join(',')}` });
        deps.log.info('login ok', { user, role, backend: `oidc:${provider.name}`, clientAddress });
        return { location: `/#${tx.next || (role === 'admin' ? '/admin/agents' : '/')}`, cookies };
      } catch (err) {
        return fail(role, label(name), err, clientAddress, user);
      }
    },

    /**
     * Sign-out at the provider: its end_session_endpoint URL (with the ID token as hint and the web app
     * as the return address) when the provider offers one, the config allows, and the sign-in the hint
     * came with has been signed out; the hint cookie cleared.
     */
    async signOut(hintCookie: string | undefined): Promise<{ url?: string; cookies: string[] }> {
      const cookies = [sealedCookie(SIGNOUT_COOKIE, '', 0)];
      const hint = await unseal(deps.key, 'signout', hintCookie, deps.clock.now());
      const provider = hint ? byName.get(hint.provider) : undefined;
      if (!hint || !provider?.endSession) return { cookies };
      // Only the sign-out of that very sign-in ends the provider's session (not a later password login's).
      if (!(await deps.signedOut({ sub: hint.sub, authTime: hint.authTime }))) return { cookies };
      try {
        const config = await deps.directory.configuration(provider);
        if (!config.serverMetadata().end_session_endpoint) return { cookies };
        const url = oidc.buildEndSessionUrl(config, { id_token_hint: hint.idToken, post_logout_redirect_uri: `${deps.publicOrigin}/` });
        return { url: url.href, cookies };
      } catch (error) {
        deps.log.warn('provider sign-out skipped: the provider could not be reached', { provider: provider.name, error });
        return { cookies };
      }
    },
  };
}

export type OidcSignIn = ReturnType<typeof createOidcSignIn>;
