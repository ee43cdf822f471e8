/**
 * Sign-in by a header an authenticating proxy in front sets (oauth2-proxy, Apache mod_auth_mellon):
 * the proxy checked the user (OpenID Connect, SAML, Kerberos...) and names them in `user_header`.
 * Anyone can send that header, so it counts only on connections from the `trusted` addresses: the
 * peer of the TLS connection, or the source a PROXY protocol v2 header gave (a TCP balancer between
 * the authenticating proxy and the director then reports the proxy's address). From any other
 * address the sign-in is refused and audited. Every sign-in is one audit event of type "login" with
 * backend "header".
 */
import { ConfigError } from '../../shared/config-schema.ts';
import { type ApiError, forbidden, notFound, unauthorized } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { AuditLog } from '../audit/types.ts';
import { hasControlChars } from '../auth/username.ts';
import type { HeaderAuthConfig } from '../config/header-auth-schema.ts';
import { inAllowList } from '../net/cidr.ts';

export interface HeaderAuthDeps {
  config: HeaderAuthConfig;
  audit: AuditLog;
  log: Logger;
  /** The policy's groups for the user, given the proxy's (as LDAP groups are fed in). */
  groupsOf(user: string, proxyGroups: readonly string[]): string[];
  isAdmin(user: string, groups: readonly string[]): boolean;
}

const MAX_USER = 256;
const MAX_GROUPS = 256;

/** Refuses settings that cannot work: a user header without any trusted address would trust no one silently. */
export function checkHeaderAuthConfig(config: HeaderAuthConfig): void {
  if (config.user_header && config.trusted.length === 0) throw new ConfigError('key "auth.header.trusted" must list the authenticating proxies\' addresses when auth.header.user_header is set');
  if (!config.user_header && config.groups_header) throw new ConfigError('key "auth.header.groups_header" needs auth.header.user_header');
  if (config.groups_separator === '') throw new ConfigError('key "auth.header.groups_separator" must not be empty');
}

/** The groups a header lists: split on the separator, trimmed, empty entries and duplicates dropped. */
export function splitGroups(value: string | null, separator: string): string[] {
  if (!value) return [];
  return [...new Set(value.split(separator).map((g) => g.trim()))].filter((g) => g && !hasControlChars(g)).slice(0, MAX_GROUPS);
}

/** Header sign-in; signIn throws the refusals as ApiErrors after auditing them. */
export function createHeaderAuth(deps: HeaderAuthDeps) {
  const { config } = deps;
  const trusted = (clientAddress: string) => clientAddress !== '' && inAllowList(clientAddress, config.trusted);
  return {
    enabled: config.user_header !== '',
    /** Whether this request could sign in: from a trusted proxy, with the user header (so the login page tries only then). */
    available(headers: Headers, clientAddress: string): boolean {
      return config.user_header !== '' && trusted(clientAddress) && !!headers.get(config.user_header)?.trim();
    },
    signIn(input: { headers: Headers; clientAddress: string; role: 'user' | 'admin' }): { user: string; role: 'user' | 'admin'; groups: string[] } {
      if (!config.user_header) throw notFound('HEADER_AUTH_DISABLED', 'header sign-in is not enabled on this director');
      const claimed = input.headers.get(config.user_header)?.trim() ?? '';
      const event = { type: 'login', backend: 'header', clientAddress: input.clientAddress };
      const refuse = (reason: string, err: ApiError, actor?: string) => {
        deps.audit.record({ ...event, actor, outcome: 'failure', detail: `role=${input.role}; ${reason}` });
        deps.log.warn('header sign-in refused', { reason, clientAddress: input.clientAddress });
        return err;
      };
      if (!trusted(input.clientAddress)) {
        // The claimed name goes into the detail only, shortened: it came from an untrusted party.
        const shown = claimed ? `; header named ${JSON.stringify(claimed.slice(0, 64))}` : '';
        throw refuse(`not from a trusted proxy${shown}`, forbidden('HEADER_AUTH_UNTRUSTED', 'this address may not sign in by header'));
      }
      if (!claimed || claimed.length > MAX_USER || hasControlChars(claimed)) {
        throw refuse('no valid user header', unauthorized('HEADER_AUTH_MISSING', 'the proxy in front did not name a user'));
      }
      const proxyGroups = config.groups_header ? splitGroups(input.headers.get(config.groups_header), config.groups_separator) : [];
      const groups = deps.groupsOf(claimed, proxyGroups);
      if (input.role === 'admin' && !deps.isAdmin(claimed, groups)) {
        throw refuse('not an admin', forbidden('NOT_ADMIN', 'this account may not use the admin interface'), claimed);
      }
      deps.audit.record({ ...event, actor: claimed, outcome: 'success', detail: `role=${input.role}` });
      return { user: claimed, role: input.role, groups };
    },
  };
}

export type HeaderAuth = ReturnType<typeof createHeaderAuth>;
