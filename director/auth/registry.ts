/**
 * Builds the configured login backends, in the configured order, from a registry map of factories
 * (adding a backend = one file + one entry here; no switch over names).
 */
import { ConfigError } from '../../shared/config-schema.ts';
import type { Logger } from '../../shared/log.ts';
import type { AuthBackendName, AuthConfig } from '../config/auth-schema.ts';
import { createExternalAuthenticator } from './external.ts';
import { createLdapAuthenticator } from './ldap.ts';
import { createPamAuthenticator } from './pam.ts';
import { createRadiusAuthenticator } from './radius.ts';
import type { Authenticator } from './types.ts';

export interface AuthDeps {
  log: Logger;
}

type Factory = (cfg: AuthConfig, deps: AuthDeps) => Authenticator;

export const authenticatorFactories: Readonly<Record<AuthBackendName, Factory>> = {
  pam: (cfg, { log }) => createPamAuthenticator(cfg.pam, log.child({ backend: 'pam' })),
  ldap: (cfg, { log }) => createLdapAuthenticator(cfg.ldap, log.child({ backend: 'ldap' })),
  radius: (cfg, { log }) => createRadiusAuthenticator(cfg.radius, log.child({ backend: 'radius' })),
  external: (cfg, { log }) => createExternalAuthenticator(cfg.external, log.child({ backend: 'external' })),
};

/**
 * One Authenticator per name in `auth.backends`, in that order. Throws ConfigError (naming the key) for
 * a backend whose settings are unusable, so a bad config fails start-up.
 */
export function createAuthenticators(cfg: AuthConfig, deps: AuthDeps): Authenticator[] {
  const seen = new Set<string>();
  return cfg.backends.map((name) => {
    if (seen.has(name)) throw new ConfigError(`auth.backends lists "${name}" twice`);
    seen.add(name);
    const factory = authenticatorFactories[name as AuthBackendName];
    if (!factory) throw new ConfigError(`auth.backends: unknown backend "${name}"`);
    return factory(cfg, deps);
  });
}
