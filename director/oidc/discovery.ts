/**
 * Lazy discovery of each provider's metadata and keys: nothing is fetched at start-up, the first
 * sign-in (or the warm-up after listening) asks, within the provider's timeout. A success is kept; a
 * failure is not, so the next click retries; concurrent asks share one request. A provider that is down
 * therefore only fails its own button, and a director never waits for one to start.
 */
import * as oidc from 'openid-client';
import type { OidcProvider } from './settings.ts';

/** fetch with the provider's CA (Bun's `tls.ca`) when it has one. */
function fetchFor(provider: OidcProvider): oidc.CustomFetch {
  return (url, options) => fetch(url, { ...options, ...(provider.caPem ? { tls: { ca: provider.caPem } } : {}) } as RequestInit);
}

/** Discovers one provider; enables ID token signature checks against its JWKS. */
export async function discover(provider: OidcProvider): Promise<oidc.Configuration> {
  const auth = provider.clientSecret ? oidc.ClientSecretBasic(provider.clientSecret) : oidc.None();
  const config = await oidc.discovery(provider.issuer, provider.clientId, undefined, auth, {
    [oidc.customFetch]: fetchFor(provider),
    timeout: provider.timeoutMs / 1000,
  });
  // openid-client trusts the TLS channel to the token endpoint by default; check the signature too.
  oidc.enableNonRepudiationChecks(config);
  return config;
}

/** Discovered configurations by provider name, fetched on first use. */
export class ProviderDirectory {
  private readonly done = new Map<string, oidc.Configuration>();
  private readonly pending = new Map<string, Promise<oidc.Configuration>>();

  constructor(private readonly run: (provider: OidcProvider) => Promise<oidc.Configuration> = discover) {}

  /** The provider's configuration, discovering it now if no earlier ask succeeded. */
  configuration(provider: OidcProvider): Promise<oidc.Configuration> {
    const known = this.done.get(provider.name);
    if (known) return Promise.resolve(known);
    let ask = this.pending.get(provider.name);
    if (!ask) {
      ask = this.run(provider).then(
        (config) => {
          this.done.set(provider.name, config);
          this.pending.delete(provider.name);
          return config;
        },
        (err: unknown) => {
          this.pending.delete(provider.name);
          throw err;
        },
      );
      this.pending.set(provider.name, ask);
    }
    return ask;
  }
}
