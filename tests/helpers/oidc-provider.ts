/**
 * A real OpenID provider for tests: panva's `oidc-provider` on 127.0.0.1 (named localhost) over TLS (a self-signed
 * certificate, its own CA), with its development login form (any user name signs in), users' groups in
 * a `groups` claim, PKCE required and consent skipped. `tamper` rewrites the next ID tokens the token
 * endpoint hands out (another audience, expired, unsigned), re-signed with the provider's own key.
 */
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, type JWTPayload } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { freePort } from '../../scripts/lib/free-port.ts';
import { selfSignedCert } from './slapd.ts';
import { tempDir } from './temp.ts';

export interface TestProvider {
  issuer: string;
  port: number;
  caFile: string;
  /** Rewrites ID tokens from the token endpoint until set back to undefined ("unsigned": alg none). */
  tamper: ((claims: JWTPayload) => JWTPayload | 'unsigned') | undefined;
  stop(): Promise<void>;
}

export interface TestProviderOptions {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** Groups by user name; users not listed sign in with no groups. */
  groups: Record<string, string[]>;
  port?: number;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Starts the provider; `stop` closes it (and every open connection). */
export async function startTestProvider(opts: TestProviderOptions): Promise<TestProvider> {
  const dir = tempDir('dcvix-oidc-provider-');
  // "localhost", while the director is reached as 127.0.0.1: another site, as a real provider is, so the
  // browser applies its cross-site cookie rules to the redirects both ways.
  const { cert, key } = await selfSignedCert(dir, { cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1' });
  const port = opts.port ?? (await freePort());
  const issuer = `https://localhost:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: opts.clientId,
        client_secret: opts.clientSecret,
        redirect_uris: opts.redirectUris,
        post_logout_redirect_uris: opts.postLogoutRedirectUris ?? [],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['dcvix-test-provider-cookie-key'] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'groups'], email: ['email', 'email_verified'] },
    // Profile claims in the ID token itself (the director reads the ID token, not userinfo).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, preferred_username: id, name: id, email: `${id}@example.test`, email_verified: true, groups: opts.groups[id] ?? [] }),
    }),
    // A first-party client: no consent page.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const grantId = ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
  });
  const handle: TestProvider = {
    issuer,
    port,
    caFile: cert,
    tamper: undefined,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    const tamper = handle.tamper;
    if (ctx.path !== '/token' || !tamper || !body?.id_token) return;
    const changed = tamper(decodeJwt(body.id_token));
    ctx.body = {
      ...body,
      id_token:
        changed === 'unsigned' ? `${b64({ alg: 'none' })}.${b64(decodeJwt(body.id_token))}.` : await new SignJWT(changed).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(privateKey),
    };
  });
  const server: Server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return handle;
}
