import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICY, startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * The stored policy with two directors on one PostgreSQL (real processes): an edit on A is in force
 * on B (B hears of it on the change feed and reloads), an edit on B from the version A replaced is
 * refused, and `dcvix-director policy import` run as a process against the store reaches both.
 */
let pg: Postgres;
let directorA: DirectorHandle;
let directorB: DirectorHandle;

const on =
  (director: DirectorHandle) =>
  (path: string, init: Parameters<typeof call>[1] = {}) =>
    call(`${director.url}${path}`, { ca: director.caPem, ...init });
const signIn = (director: DirectorHandle, user: string, role?: 'admin') => login(director.url, director.caPem, user, TEST_USERS[user]!, role);
const versionOn = async (director: DirectorHandle, cookie: string) => (await on(director)('/v1/admin/policy', { cookie })).json.status.version.version as number;

beforeAll(async () => {
  pg = await startPostgres();
  const env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '7a'.repeat(32) };
  const config = { store_url: pg.urlWithoutPassword, token_key: '8b'.repeat(32) };
  directorA = await startDirector({ config, env });
  // B's files say something else: the store, seeded by A, is what B puts in force.
  directorB = await startDirector({ config, env, policy: { users: { admins: ['admin', 'carol'] }, pools: {} } });
}, 120_000);

afterAll(async () => {
  await Promise.all([directorA?.stop(), directorB?.stop()]);
  await pg?.stop();
  cleanupTempDirs();
});

describe('the stored policy across directors on PostgreSQL', () => {
  test('ok: B runs the version A seeded; an edit on A is in force on B; an edit on B from the replaced version is refused', async () => {
    const [adminA, adminB] = await Promise.all([signIn(directorA, 'admin', 'admin'), signIn(directorB, 'admin', 'admin')]);
    expect([await versionOn(directorA, adminA), await versionOn(directorB, adminB)]).toEqual([1, 1]);
    expect(directorB.proc.count('policy store seeded from the policy files')).toBe(0);
    const bobOnB = await signIn(directorB, 'bob');
    expect((await on(directorB)('/v1/user/servers', { cookie: bobOnB })).json.pools).toEqual([]);

    const users = { ...DEFAULT_POLICY.users, users: { ...DEFAULT_POLICY.users.users, bob: { servers: [], pools: ['workstations'] } } };
    const saved = await on(directorA)('/v1/admin/policy', { method: 'PUT', cookie: adminA, json: { version: 1, users, pools: DEFAULT_POLICY.pools } });
    expect([saved.status, saved.json.version.version]).toEqual([200, 2]);
    await eventually(async () => (await on(directorB)('/v1/user/servers', { cookie: bobOnB })).json.pools.length === 1, 10_000, 'the edit in force on B');
    expect(await versionOn(directorB, adminB)).toBe(2);
    const explained = await on(directorB)('/v1/admin/policy/explain?user=bob&pool=workstations', { cookie: adminB });
    expect(explained.json).toMatchObject({ allowed: true, version: 2 });

    const stale = await on(directorB)('/v1/admin/policy', { method: 'PUT', cookie: adminB, json: { version: 1, users: DEFAULT_POLICY.users, pools: DEFAULT_POLICY.pools } });
    expect([stale.status, stale.json.error.code]).toEqual([409, 'POLICY_VERSION_CONFLICT']);
    expect(stale.json.error.message).toContain('(version 2, saved by admin at');
    expect([await versionOn(directorA, adminA), await versionOn(directorB, adminB)]).toEqual([2, 2]);
    const audited = await on(directorB)('/v1/admin/audit?type=policy.update', { cookie: adminB });
    expect(audited.json.events.map((event: { outcome: string; target: string }) => [event.outcome, event.target])).toEqual([
      ['failure', 'version 2'],
      ['success', 'version 2'],
    ]);
  });

  test('ok: policy import as a process against the shared store is in force on both directors', async () => {
    const [adminA, adminB] = await Promise.all([signIn(directorA, 'admin', 'admin'), signIn(directorB, 'admin', 'admin')]);
    const dir = tempDir('dcvix-ha-policy-');
    writeFileSync(join(dir, 'users.json'), JSON.stringify({ ...DEFAULT_POLICY.users, admins: ['admin', 'carol'] }));
    const imported = await directorA.command('policy', 'import', join(dir, 'users.json'));
    expect([imported.code, imported.stdout]).toEqual([0, expect.stringContaining('policy stored as version 3 (import')]);
    await eventually(async () => (await versionOn(directorA, adminA)) === 3 && (await versionOn(directorB, adminB)) === 3, 10_000, 'version 3 on both');
    expect((await on(directorB)('/v1/admin/agents', { cookie: await signIn(directorB, 'carol', 'admin') })).status).toBe(200);
    const exported = await directorB.command('policy', 'export');
    expect(JSON.parse(exported.stdout).users.admins).toEqual(['admin', 'carol']);
  });
});
