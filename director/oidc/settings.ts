import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../shared/config-schema.ts';
import type { AuthConfig, OidcProviderConfig } from '../config/auth-schema.ts';
import { readSecret } from '../auth/secret.ts';

/** One OpenID provider as the sign-in flow uses it: the config checked, its secret and CA read. */
export interface OidcProvider {
  name: string;
  displayName: string;
  issuer: URL;
  clientId: string;
  /** undefined = a public client (PKCE only, no client authentication). */
  clientSecret?: string;
  scopes: string[];
  usernameClaim: string;
  usernameFallbackClaim: string;
  groupsClaim: string;
  allowedDomains: string[];
  requiredClaims: Readonly<Record<string, string>>;
  caPem?: string;
  timeoutMs: number;
  endSession: boolean;
}

/**
 * The configured providers, checked at start-up: an https issuer, a client id, the secret's file or
 * environment variable readable and not empty, the CA file readable. Throws ConfigError naming the key.
 * Nothing here talks to the provider (discovery waits for the first sign-in).
 */
export function oidcProviders(auth: AuthConfig, configFile: string, env: Record<string, string | undefined> = process.env): OidcProvider[] {
  return Object.entries(auth.oidc).map(([name, cfg]) => providerOf(name, cfg, dirname(resolve(configFile)), env));
}

function providerOf(name: string, cfg: OidcProviderConfig, base: string, env: Record<string, string | undefined>): OidcProvider {
  const key = (k: string) => `auth.oidc.${name}.${k}`;
  let issuer: URL;
  try {
    issuer = new URL(cfg.issuer);
  } catch {
    throw new ConfigError(`key "${key('issuer')}" must be the provider's https:// issuer URL`);
  }
  if (issuer.protocol !== 'https:') throw new ConfigError(`key "${key('issuer')}" must be an https:// URL`);
  if (!cfg.client_id) throw new ConfigError(`key "${key('client_id')}" is required`);
  if (!cfg.scopes.includes('openid')) throw new ConfigError(`key "${key('scopes')}" must include "openid"`);
  if (!cfg.username_claim) throw new ConfigError(`key "${key('username_claim')}" must name a claim`);
  if (cfg.client_secret_file && cfg.client_secret_env) throw new ConfigError(`keys "${key('client_secret_file')}" and "${key('client_secret_env')}": set one, not both`);
  let clientSecret: string | undefined;
  if (cfg.client_secret_file) clientSecret = readSecret('', resolve(base, cfg.client_secret_file), key('client_secret_file')).trim();
  if (cfg.client_secret_env) clientSecret = env[cfg.client_secret_env]?.trim();
  if ((cfg.client_secret_file || cfg.client_secret_env) && !clientSecret) {
    throw new ConfigError(`key "${key(cfg.client_secret_file ? 'client_secret_file' : 'client_secret_env')}": the client secret is empty or unset`);
  }
  let caPem: string | undefined;
  if (cfg.ca_file) {
    try {
      caPem = readFileSync(resolve(base, cfg.ca_file), 'utf8');
    } catch (err) {
      throw new ConfigError(`key "${key('ca_file')}": cannot read ${resolve(base, cfg.ca_file)}: ${(err as Error).message}`);
    }
  }
  return {
    name,
    displayName: cfg.display_name || name,
    issuer,
    clientId: cfg.client_id,
    clientSecret,
    scopes: cfg.scopes,
    usernameClaim: cfg.username_claim,
    usernameFallbackClaim: cfg.username_fallback_claim,
    groupsClaim: cfg.groups_claim,
    allowedDomains: cfg.allowed_domains.map((d) => d.toLowerCase().replace(/^@/, '')),
    requiredClaims: cfg.required_claims,
    caPem,
    timeoutMs: cfg.timeout,
    endSession: cfg.end_session,
  };
}
