import { afterAll, beforeAll, expect, test } from 'bun:test';
import { applySchema } from '../../shared/config-schema.ts';
import { silentLogger } from '../../shared/log.ts';
import { authSchema, type LdapConfig } from '../../director/config/auth-schema.ts';
import { createLdapAuthenticator } from '../../director/auth/ldap.ts';
import { startSlapd, type Slapd } from '../helpers/slapd.ts';
import { describeWith } from '../helpers/system-packages.ts';

/** [auth.ldap] as loaded from TOML, with overrides. */
const ldapConfig = (over: Record<string, unknown>): LdapConfig => applySchema(authSchema.section, { ldap: over }, 'test.conf').ldap;

describeWith(['slapd'], 'ldap backend against a real slapd', () => {
  let slapd: Slapd;
  let search: (over?: Record<string, unknown>) => ReturnType<typeof createLdapAuthenticator>;
  beforeAll(async () => {
    slapd = await startSlapd();
    search = (over = {}) =>
      createLdapAuthenticator(
        ldapConfig({
          url: slapd.url,
          bind_dn: slapd.serviceDn,
          bind_password: slapd.servicePassword,
          user_base: `ou=people,${slapd.baseDn}`,
          user_filter: '(objectClass=inetOrgPerson)',
          group_base: `ou=groups,${slapd.baseDn}`,
          timeout: 2,
          connect_timeout: 2,
          ...over,
        }),
        silentLogger,
      );
  }, 30_000);
  afterAll(async () => {
    await slapd?.stop();
  });

  test('ok: right password, groups from a groupOfNames search', async () => {
    expect(await search().authenticate({ username: 'alice', password: 'alice-pw' })).toEqual({ kind: 'ok', backend: 'ldap', username: 'alice', groups: ['engineers'] });
    expect(await search().authenticate({ username: 'bob', password: 'bob-pw' })).toMatchObject({ kind: 'ok', groups: ['admins'] });
  });

  test("ok: the directory's spelling of the name is returned", async () => {
    expect(await search().authenticate({ username: 'ALICE', password: 'alice-pw' })).toMatchObject({ kind: 'ok', username: 'alice' });
  });

  test('rejects: wrong password', async () => {
    expect(await search().authenticate({ username: 'alice', password: 'bob-pw' })).toMatchObject({ kind: 'reject', reason: 'invalid credentials' });
  });

  test('rejects: empty password before any bind', async () => {
    expect(await search().authenticate({ username: 'alice', password: '' })).toMatchObject({ kind: 'reject', reason: 'empty password' });
  });

  test('unknown: a user the search does not find', async () => {
    expect(await search().authenticate({ username: 'mallory', password: 'x' })).toEqual({ kind: 'unknown', backend: 'ldap' });
  });

  test('rejects: filter injection matches nothing', async () => {
    for (const username of ['*)(uid=*', '*', 'alice)(|(uid=*', 'al*']) {
      expect(await search().authenticate({ username, password: 'alice-pw' })).toEqual({ kind: 'unknown', backend: 'ldap' });
    }
  });

  test('ok: direct bind with an RFC 4514-escaped DN template, groups via search', async () => {
    const direct = search({ user_dn_template: `uid={user},ou=people,${slapd.baseDn}`, bind_dn: '' });
    expect(await direct.authenticate({ username: 'j,doe', password: 'jdoe-pw' })).toMatchObject({ kind: 'ok', username: 'j,doe' });
    expect(await direct.authenticate({ username: 'alice', password: 'alice-pw' })).toMatchObject({ kind: 'ok', groups: ['engineers'] });
    expect(await direct.authenticate({ username: 'alice', password: 'nope' })).toMatchObject({ kind: 'reject' });
    expect(await direct.authenticate({ username: 'alice,ou=people', password: 'alice-pw' })).toMatchObject({ kind: 'reject' });
  });

  test('ok: StartTLS with the CA file', async () => {
    const authenticator = search({ start_tls: true, ca_file: slapd.caFile });
    expect(await authenticator.authenticate({ username: 'alice', password: 'alice-pw' })).toMatchObject({ kind: 'ok' });
    expect(await authenticator.health!()).toEqual({ ok: true });
  });

  test('ok: ldaps:// with the CA file', async () => {
    const authenticator = search({ url: slapd.ldapsUrl, ca_file: slapd.caFile });
    expect(await authenticator.authenticate({ username: 'alice', password: 'alice-pw' })).toMatchObject({ kind: 'ok' });
  });

  test('rejects: ldaps:// without trusting the self-signed CA', async () => {
    const authenticator = search({ url: slapd.ldapsUrl });
    expect(await authenticator.authenticate({ username: 'alice', password: 'alice-pw' })).toMatchObject({ kind: 'reject' });
    expect((await authenticator.health!()).ok).toBe(false);
  });

  test('rejects: service account with a wrong password fails closed', async () => {
    const authenticator = search({ bind_password: 'wrong' });
    expect(await authenticator.authenticate({ username: 'alice', password: 'alice-pw' })).toMatchObject({ kind: 'reject' });
  });

  test('rejects: unreachable server within the connect timeout', async () => {
    const authenticator = search({ url: 'ldap://127.0.0.1:1', connect_timeout: '500ms' });
    const started = performance.now();
    expect(await authenticator.authenticate({ username: 'alice', password: 'alice-pw' })).toMatchObject({ kind: 'reject' });
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
