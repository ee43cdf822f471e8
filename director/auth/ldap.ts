/**
 * LDAP backend (ldapts). Two modes: search-then-bind (service account or anonymous search for
 * user_attribute=name under user_base, then bind as the found DN) or direct bind with a DN template.
 * The user name only ever enters a filter through EqualityFilter (escaped) and a DN through RFC 4514
 * escaping. An empty password is refused before any bind (it would be an anonymous bind). A user that
 * the search does not find is "unknown" so a chain moves on; direct bind cannot tell, so it rejects.
 */
import { readFileSync } from 'node:fs';
import { AndFilter, Client, EqualityFilter, FilterParser, InvalidCredentialsError, type Filter } from 'ldapts';
import { ConfigError } from '../../shared/config-schema.ts';
import { ignoredError } from '../../shared/ignored.ts';
import type { Logger } from '../../shared/log.ts';
import type { LdapConfig } from '../config/auth-schema.ts';
import { attributeValues, firstRdnValue, userDnFromTemplate } from './ldap-names.ts';
import { readSecret } from './secret.ts';
import type { AuthResult, Authenticator, Credentials } from './types.ts';

const NAME = 'ldap';

/** The LDAP Authenticator; config errors (bad filter, unreadable CA or password file) throw at start-up. */
export function createLdapAuthenticator(cfg: LdapConfig, log: Logger): Authenticator {
  if (!/^ldaps?:\/\//.test(cfg.url)) throw new ConfigError('auth.ldap.url must start with ldap:// or ldaps://');
  if (!cfg.user_dn_template && !cfg.user_base) throw new ConfigError('auth.ldap: set user_base (search) or user_dn_template (direct bind)');
  if (cfg.user_dn_template && !cfg.user_dn_template.includes('{user}')) throw new ConfigError('auth.ldap.user_dn_template must contain {user}');
  const userFilter = parseFilter(cfg.user_filter, 'auth.ldap.user_filter');
  const groupFilter = parseFilter(cfg.group_filter, 'auth.ldap.group_filter');
  const ca = cfg.ca_file ? readCa(cfg.ca_file) : undefined;
  const bindPassword = readSecret(cfg.bind_password, cfg.bind_password_file, 'auth.ldap.bind_password_file');

  async function connect(): Promise<Client> {
    const secure = cfg.url.startsWith('ldaps://');
    // tlsOptions on an ldap:// URL would make ldapts try implicit TLS; StartTLS gets its options later.
    const client = new Client({ url: cfg.url, timeout: cfg.timeout, connectTimeout: cfg.connect_timeout, ...(secure ? { tlsOptions: { ca } } : {}) });
    if (cfg.start_tls && !secure) {
      try {
        await client.startTLS({ ca });
      } catch (err) {
        await client.unbind().catch((error: unknown) => ignoredError(log, 'ldap.unbind', 'the connection is dropped anyway', error));
        throw err;
      }
    }
    return client;
  }

  async function serviceBind(client: Client): Promise<void> {
    if (cfg.bind_dn) await client.bind(cfg.bind_dn, bindPassword);
  }

  async function findUser(client: Client, username: string): Promise<Record<string, unknown>[]> {
    await serviceBind(client);
    const filter = new AndFilter({ filters: [userFilter, new EqualityFilter({ attribute: cfg.user_attribute, value: username })] });
    const attributes = [cfg.user_attribute, ...(cfg.group_attribute ? [cfg.group_attribute] : [])];
    const { searchEntries } = await client.search(cfg.user_base, { scope: 'sub', filter, attributes, sizeLimit: 2 });
    return searchEntries;
  }

  async function groupsOf(client: Client, userDn: string, entry: Record<string, unknown> | undefined): Promise<string[]> {
    if (cfg.group_base) {
      await serviceBind(client);
      const filter = new AndFilter({ filters: [groupFilter, new EqualityFilter({ attribute: cfg.group_member_attribute, value: userDn })] });
      const { searchEntries } = await client.search(cfg.group_base, { scope: 'sub', filter, attributes: [cfg.group_name_attribute] });
      return searchEntries.flatMap((e) => attributeValues(e, cfg.group_name_attribute));
    }
    if (!cfg.group_attribute) return [];
    let source = entry;
    if (!source) {
      const { searchEntries } = await client.search(userDn, { scope: 'base', attributes: [cfg.group_attribute] });
      source = searchEntries[0];
    }
    return source ? attributeValues(source, cfg.group_attribute).map(firstRdnValue) : [];
  }

  async function authenticate(login: Credentials): Promise<AuthResult> {
    if (!login.password) return { kind: 'reject', backend: NAME, reason: 'empty password' };
    const client = await connect();
    try {
      let userDn: string;
      let entry: Record<string, unknown> | undefined;
      let username = login.username;
      if (cfg.user_dn_template) userDn = userDnFromTemplate(cfg.user_dn_template, login.username);
      else {
        const found = await findUser(client, login.username);
        if (found.length === 0) return { kind: 'unknown', backend: NAME };
        if (found.length > 1) return { kind: 'reject', backend: NAME, reason: 'user name matches several entries' };
        entry = found[0]!;
        userDn = String(entry.dn);
        // The directory's spelling of the name, so "Alice" and "alice" are one principal downstream.
        username = attributeValues(entry, cfg.user_attribute).find((v) => v.toLowerCase() === login.username.toLowerCase()) ?? login.username;
      }
      try {
        await client.bind(userDn, login.password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return { kind: 'reject', backend: NAME, reason: 'invalid credentials' };
        throw err;
      }
      return { kind: 'ok', backend: NAME, username, groups: await groupsOf(client, userDn, entry) };
    } finally {
      await client.unbind().catch((error: unknown) => ignoredError(log, 'ldap.unbind', 'the connection is dropped anyway', error));
    }
  }

  return {
    name: NAME,
    async authenticate(credentials) {
      try {
        return await authenticate(credentials);
      } catch (err) {
        log.warn('ldap login failed', { error: err });
        return { kind: 'reject', backend: NAME, reason: `ldap error: ${(err as Error).message}` };
      }
    },
    async health() {
      try {
        const client = await connect();
        try {
          await serviceBind(client);
        } finally {
          await client.unbind().catch((error: unknown) => ignoredError(log, 'ldap.unbind', 'the connection is dropped anyway', error));
        }
        return { ok: true };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    },
  };
}

function parseFilter(text: string, key: string): Filter {
  try {
    return FilterParser.parseString(text);
  } catch (err) {
    throw new ConfigError(`${key}: not a valid LDAP filter: ${(err as Error).message}`);
  }
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`auth.ldap.ca_file: cannot read ${file}: ${(err as Error).message}`);
  }
}
