import { Elysia, t } from 'elysia';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { readCookie } from '../http/cookies.ts';
import { checkSameOrigin } from '../http/guards.ts';
import { errorAnswers, mediaType, OneOf } from '../http/models.ts';
import { SIGNOUT_COOKIE, TRANSACTION_COOKIE } from './sealed-cookie.ts';
import type { Navigation, OidcSignIn } from './sign-in.ts';

/** A browser navigation's answer: an empty body, the address in Location. */
const Redirect = mediaType(
  'text/plain',
  t.String({ maxLength: 0, description: 'Empty; Location says where: the provider, the web app, or its sign-in page with `sso_error` (the code) and `provider`' }),
);
const ProviderParams = t.Object({ provider: t.String({ maxLength: 64 }) });

/** A 302 setting each cookie (several Set-Cookie headers, which a plain header record cannot hold). */
function navigate({ location, cookies }: Navigation): Response {
  const headers = new Headers({ location, 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' });
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(null, { status: 302, headers });
}

/**
 * Single sign-on (OpenID Connect): GET /v1/auth/oidc/providers (the sign-in page's buttons),
 * GET /v1/auth/oidc/{provider}/start and /callback (browser navigations: each answers a redirect),
 * POST /v1/auth/oidc/signout (the provider's end-session URL, when it has one). All public: the flow's
 * own checks (sealed transaction, state, nonce, PKCE, ID token) guard them.
 */
export const oidcRoutes = ({ signIn, passwordForm }: { signIn: OidcSignIn; passwordForm: boolean }) =>
  new Elysia({ name: 'director.oidc' })
    .get('/v1/auth/oidc/providers', () => ({ providers: signIn.list(), passwordForm }), {
      response: { 200: t.Object({ providers: t.Array(t.Object({ name: t.String(), displayName: t.String() })), passwordForm: t.Boolean() }) },
      detail: { summary: 'The single sign-on providers the sign-in page offers, and whether it shows the password form', security: [] },
    })
    .get(
      '/v1/auth/oidc/:provider/start',
      async ({ params, query, request }) => navigate(await signIn.start(params.provider, query.role ?? 'user', query.next, connectionInfo(request).remoteAddress)),
      {
        params: ProviderParams,
        query: t.Object({ role: t.Optional(OneOf(['user', 'admin'])), next: t.Optional(t.String({ maxLength: 512 })) }),
        response: { 302: Redirect, ...errorAnswers(400, 422) },
        detail: { summary: "Starts a sign-in: redirects to the provider's sign-in page (or, when it is down, back to the sign-in page)", security: [] },
      },
    )
    .get(
      '/v1/auth/oidc/:provider/callback',
      async ({ params, request }) =>
        navigate(await signIn.finish(params.provider, new URL(request.url).searchParams, readCookie(request.headers.get('cookie'), TRANSACTION_COOKIE), connectionInfo(request).remoteAddress)),
      {
        params: ProviderParams,
        response: { 302: Redirect, ...errorAnswers(400, 422) },
        detail: { summary: 'The redirect URI: checks the answer and ID token, sets the dcvix_session cookie and redirects to the web app', security: [] },
      },
    )
    .post(
      '/v1/auth/oidc/signout',
      async ({ request, set }) => {
        checkSameOrigin(request);
        const { url, cookies } = await signIn.signOut(readCookie(request.headers.get('cookie'), SIGNOUT_COOKIE));
        set.headers['set-cookie'] = cookies[0];
        set.headers['cache-control'] = 'no-store';
        return url ? { url } : {};
      },
      {
        response: { 200: t.Object({ url: t.Optional(t.String({ description: "The provider's end-session URL to open after POST /v1/logout" })) }), ...errorAnswers(403) },
        detail: { summary: 'Ends the single sign-on at the provider too: answers its end-session URL when it offers one', security: [] },
      },
    );
