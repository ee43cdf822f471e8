/**
 * A director with single sign-on through a real OpenID provider (tests/helpers/oidc-provider.ts), and a
 * scripted browser for the flow (fetch with one cookie jar for both hosts: a simplification that does
 * no harm, each side's cookies have names of their own).
 * Users: admin (password, for the audit log), erin (group engineers: the workstations pool), oscar (group dcv-ops: admins), mallory (a group
 * the policy does not know). Providers: corp (the real one), down (nothing listening), slow (accepts,
 * never answers; 1 s timeout).
 */
import { createServer, type Socket } from 'node:net';
import { freePort } from '../../scripts/lib/free-port.ts';
import { startDirector, type DirectorHandle } from './dcvix.ts';
import { startTestProvider, type TestProvider } from './oidc-provider.ts';

export interface SsoScene {
  director: DirectorHandle;
  provider: TestProvider;
  publicUrl: string;
  stop(): Promise<void>;
}

export const SSO_POLICY = {
  users: {
    admins: ['admin'],
    adminGroups: ['dcv-ops'],
    users: { alice: { servers: [], pools: ['workstations'] } },
    groups: { engineers: { servers: [], pools: ['workstations'] } },
  },
  pools: { pools: { workstations: { description: 'All workstations', servers: ['*'] } } },
};

/** Starts the provider, a silent port and the director configured for all three providers. */
export async function startSsoScene(): Promise<SsoScene> {
  const port = await freePort();
  const publicUrl = `https://127.0.0.1:${port}`;
  const provider = await startTestProvider({
    clientId: 'dcvix',
    clientSecret: 'provider-secret',
    redirectUris: [`${publicUrl}/v1/auth/oidc/corp/callback`],
    postLogoutRedirectUris: [`${publicUrl}/`],
    groups: { erin: ['engineers'], oscar: ['dcv-ops'], mallory: ['visitors'] },
  });
  const held: Socket[] = [];
  const silent = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentPort = (silent.address() as { port: number }).port;
  const oidc = {
    corp: { display_name: 'Corp', issuer: provider.issuer, client_id: 'dcvix', client_secret_env: 'DCVIX_TEST_OIDC_SECRET', ca_file: provider.caFile },
    down: { issuer: `https://127.0.0.1:${await freePort()}`, client_id: 'dcvix', timeout: '1s' },
    slow: { issuer: `https://127.0.0.1:${silentPort}`, client_id: 'dcvix', timeout: '1s' },
  };
  const director = await startDirector({
    config: { director_port: port, public_url: publicUrl, auth: { oidc } },
    env: { DCVIX_TEST_OIDC_SECRET: 'provider-secret' },
    policy: SSO_POLICY,
  });
  return {
    director,
    provider,
    publicUrl,
    async stop() {
      await director.stop();
      await provider.stop();
      for (const socket of held) socket.destroy();
      silent.close();
    },
  };
}

/** Cookies by name (for every host and path: see the module comment). */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (value === '' || /max-age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** One request without following redirects; cookies from and into the jar. */
export async function visit(url: string, jar: CookieJar, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { cookie: jar.header() };
  if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.form ? new URLSearchParams(init.form) : undefined,
    redirect: 'manual',
    tls: { rejectUnauthorized: false },
  } as RequestInit);
  jar.take(response);
  return response;
}

/**
 * Starts a sign-in at the director (returning to `next`) and signs in at the provider's form as `user`;
 * answers the jar and the callback URL the provider sent the browser to (not yet visited).
 */
export async function signInAtProvider(scene: SsoScene, user: string, role: 'user' | 'admin' = 'user', next = ''): Promise<{ jar: CookieJar; callback: string }> {
  const jar = new CookieJar();
  let response = await visit(`${scene.director.url}/v1/auth/oidc/corp/start?${new URLSearchParams({ role, ...(next ? { next } : {}) })}`, jar);
  if (response.status !== 302) throw new Error(`start answered ${response.status}`);
  let url = response.headers.get('location')!;
  for (let hop = 0; hop < 8; hop++) {
    if (url.startsWith(`${scene.publicUrl}/v1/auth/oidc/`)) return { jar, callback: url };
    response = await visit(url, jar);
    if (response.status === 200) {
      const action = /<form[^>]*action="([^"]+)"/.exec(await response.text())?.[1];
      if (!action) throw new Error(`no form at ${url}`);
      response = await visit(new URL(action, url).href, jar, { method: 'POST', form: { prompt: 'login', login: user, password: 'any' } });
    }
    const next = response.headers.get('location');
    if (!next) throw new Error(`provider answered ${response.status} at ${url}`);
    url = new URL(next, url).href;
  }
  throw new Error('too many redirects at the provider');
}

/** Visits the callback: the director's redirect and the session cookie it set (if any). */
export async function finishAtDirector(callback: string, jar: CookieJar): Promise<{ status: number; location: string; session?: string }> {
  const response = await visit(callback, jar);
  return { status: response.status, location: response.headers.get('location') ?? '', session: jar.cookies.get('dcvix_session') };
}
