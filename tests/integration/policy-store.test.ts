import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICY, startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * The policy in the embedded store through real processes: the files seed it at the first start, an
 * admin's edit is a new version (in force at once, audited with a diff), a stale or invalid edit is
 * refused, `dcvix-director policy export` and `policy import` run as processes against the data dir
 * (the running director puts an import in force without a signal), SIGHUP stores changed policy files
 * as a new version (unchanged ones: the store re-read), a restart keeps the stored version, and explain
 * answers for group names with spaces.
 */
let director: DirectorHandle;
let admin: string;
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const policyView = async () => (await api('/v1/admin/policy', { cookie: admin })).json;
const auditOf = async (type: string) => (await api(`/v1/admin/audit?type=${type}`, { cookie: admin })).json.events as { actor: string; target: string; outcome: string; detail: string }[];
const save = (version: number, users: unknown, pools: unknown = DEFAULT_POLICY.pools) => api('/v1/admin/policy', { method: 'PUT', cookie: admin, json: { version, users, pools } });
const withBob = (pools: string[]) => ({ ...DEFAULT_POLICY.users, users: { ...DEFAULT_POLICY.users.users, bob: { servers: [], pools } } });

beforeAll(async () => {
  director = await startDirector();
  admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
}, 60_000);

afterAll(async () => {
  await director?.stop();
  cleanupTempDirs();
});

describe('the policy in the embedded store', () => {
  test('ok: the first start stores the files as version 1 (audited); export prints and writes that version as the files', async () => {
    const view = await policyView();
    expect(view.status.version).toMatchObject({ version: 1, source: 'files', createdBy: 'start-up' });
    expect(view.history.map((entry: { version: number }) => entry.version)).toEqual([1]);
    expect((await auditOf('policy.import'))[0]).toMatchObject({ actor: 'start-up', target: 'version 1', outcome: 'success' });
    const printed = await director.command('policy', 'export');
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(DEFAULT_POLICY);
    expect(printed.stderr).toContain('exported policy version 1 (files, saved by start-up');
    const out = tempDir('dcvix-policy-export-');
    expect((await director.command('policy', 'export', '--out', out)).code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'users.json'), 'utf8'))).toEqual(DEFAULT_POLICY.users);
    expect(JSON.parse(readFileSync(join(out, 'pools.json'), 'utf8'))).toEqual(DEFAULT_POLICY.pools);
  });

  test('ok: an edit through the API is version 2, in force at once, audited with the changed key only', async () => {
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    expect((await api('/v1/user/servers', { cookie: bob })).json.pools).toEqual([]);
    const saved = await save(1, withBob(['workstations']));
    expect([saved.status, saved.json]).toEqual([200, { changed: true, version: expect.objectContaining({ version: 2, source: 'edit', createdBy: 'admin' }) }]);
    expect((await api('/v1/user/servers', { cookie: bob })).json.pools.map((pool: { id: string }) => pool.id)).toEqual(['workstations']);
    const update = await eventually(async () => (await auditOf('policy.update'))[0], 5000, 'policy.update audited');
    expect(update).toMatchObject({ actor: 'admin', target: 'version 2', outcome: 'success' });
    expect(JSON.parse(update.detail)).toEqual([{ path: 'users.json: users.bob.pools', before: [], after: ['workstations'] }]);
    expect(JSON.parse((await director.command('policy', 'export')).stdout).users.users.bob).toEqual({ servers: [], pools: ['workstations'] });
  });

  test('rejects: an edit from an older version (409 POLICY_VERSION_CONFLICT) or an invalid one (400 POLICY_INVALID naming the file and key) stores nothing', async () => {
    const stale = await save(1, DEFAULT_POLICY.users);
    expect([stale.status, stale.json.error.code]).toEqual([409, 'POLICY_VERSION_CONFLICT']);
    expect(stale.json.error.message).toContain('changed since you loaded version 1 (version 2, saved by admin');
    const invalid = await save(2, withBob(['workstations']), { pools: { workstations: { servers: ['*'], gl: 'maybe' } } });
    expect([invalid.status, invalid.json.error.code]).toEqual([400, 'POLICY_INVALID']);
    expect(invalid.json.error.message).toStartWith('pools.json: pools.workstations.gl');
    const partial = await api('/v1/admin/policy', { method: 'PUT', cookie: admin, json: { version: 2, users: DEFAULT_POLICY.users } });
    expect([partial.status, partial.json.error.message]).toEqual([400, 'pools.json must be an object']);
    expect((await policyView()).status.version.version).toBe(2);
    const user = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    expect((await api('/v1/admin/policy', { method: 'PUT', cookie: user, json: { version: 2, users: {}, pools: {} } })).status).toBe(403);
  });

  test('ok: policy import as a process stores a new version (audited, actor cli:<user>); the running director puts it in force without a signal', async () => {
    const dir = tempDir('dcvix-policy-import-');
    writeFileSync(join(dir, 'users.json'), JSON.stringify(withBob([])));
    const imported = await director.command('policy', 'import', join(dir, 'users.json'));
    expect([imported.code, imported.stdout]).toEqual([0, expect.stringContaining('policy stored as version 3 (import, saved by cli:')]);
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    await eventually(async () => (await api('/v1/user/servers', { cookie: bob })).json.pools.length === 0, 15_000, 'version 3 in force');
    expect((await policyView()).status.version).toMatchObject({ version: 3, source: 'import' });
    const event = (await auditOf('policy.import'))[0]!;
    expect(event).toMatchObject({ target: 'version 3', outcome: 'success', actor: expect.stringMatching(/^cli:/) });
    expect(JSON.parse(event.detail)).toEqual([{ path: 'users.json: users.bob.pools', before: ['workstations'], after: [] }]);
    // The pools document was not given: it kept its stored version.
    expect(JSON.parse((await director.command('policy', 'export')).stdout).pools).toEqual(DEFAULT_POLICY.pools);
    const again = await director.command('policy', 'import', join(dir, 'users.json'));
    expect([again.code, again.stdout]).toEqual([0, expect.stringContaining('policy unchanged: version 3')]);
  });

  test('rejects: an import of an invalid or unreadable file names the file and key, exits non-zero, stores nothing', async () => {
    const dir = tempDir('dcvix-policy-import-');
    writeFileSync(join(dir, 'users.json'), JSON.stringify({ users: { bob: { servers: 'ws01' } } }));
    const invalid = await director.command('policy', 'import', join(dir, 'users.json'));
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('users.json: users.bob.servers must be a list of host names or "*"');
    expect(invalid.stderr).toContain('nothing was stored');
    writeFileSync(join(dir, 'pools.json'), '{ "pools": ');
    const broken = await director.command('policy', 'import', join(dir, 'pools.json'));
    expect([broken.code, broken.stderr]).toEqual([1, expect.stringContaining(`${join(dir, 'pools.json')}: not valid JSON`)]);
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ admins: ['admin'] }));
    expect((await director.command('policy', 'import', join(dir, 'other.json'))).code).toBe(2);
    expect((await director.command('policy', 'import')).code).toBe(2);
    expect((await policyView()).history[0].version).toBe(3);
    expect((await auditOf('policy.import'))[0]).toMatchObject({ outcome: 'failure', detail: expect.stringContaining('users.bob.servers') });
  });

  test('rejects: a stored version this director cannot load keeps the policy in force: logged, audited, shown, counted', async () => {
    const db = new Database(join(director.dataDir, 'agents.db'));
    db.run(`INSERT INTO policy_versions VALUES (4, '{"users": {"bob": {"pools": "workstations"}}}', '{}', 'import', ${Date.now()}, 'hand-made')`);
    db.close();
    director.proc.proc.kill('SIGHUP');
    await director.proc.waitForMsg('stored policy version could not be loaded; keeping the policy in force', 10_000);
    const view = await policyView();
    expect([view.status.version.version, view.status.lastError]).toEqual([3, 'stored policy version 4: users.json: users.bob.pools must be a list of names']);
    expect((await auditOf('policy.reload'))[0]).toMatchObject({ outcome: 'failure', detail: expect.stringContaining('stored policy version 4') });
    expect((await api('/metrics')).text).toContain('dcvix_policy_reloads_total{outcome="failure"} 1');
    const fixed = await save(4, withBob(['workstations']));
    expect([fixed.status, fixed.json.version.version]).toEqual([200, 5]);
    expect((await policyView()).status.lastError).toBeNull();
  });

  test('ok: a restart keeps the stored version in force, whatever the files say', async () => {
    await director.stop();
    director = await startDirector({ dir: director.dir, policy: { users: { admins: ['admin'] } } });
    admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    expect((await policyView()).status.version).toMatchObject({ version: 5, source: 'edit' });
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    expect((await api('/v1/user/servers', { cookie: bob })).json.pools.map((pool: { id: string }) => pool.id)).toEqual(['workstations']);
  }, 60_000);

  test('ok: explain names the entries that grant a server or a pool, with groups from the query (spaces and commas kept)', async () => {
    const users = { ...withBob(['workstations']), groups: { 'Domain Users': { servers: ['ws-7'], pools: [] }, 'eng,ops': { servers: [], pools: ['workstations'] } } };
    expect((await save(5, users)).status).toBe(200);
    const explain = (query: string) => api(`/v1/admin/policy/explain?${query}`, { cookie: admin });
    const byGroup = await explain('user=dora&server=ws-7&groups=Domain%20Users&groups=eng%2Cops');
    expect(byGroup.json).toMatchObject({ user: 'dora', server: 'ws-7', allowed: true, groupsFrom: 'query', groups: ['Domain Users', 'eng,ops'], version: 6 });
    expect(byGroup.json.grants).toEqual([{ entry: 'group', name: 'Domain Users', via: 'servers', pattern: 'ws-7' }]);
    expect(byGroup.json.notes).toEqual(['pool workstations lists "*" (every server this director knows), and no agent has reported ws-7']);
    const pool = await explain('user=bob&pool=workstations');
    expect(pool.json).toMatchObject({ allowed: true, groupsFrom: 'policy', grants: [{ entry: 'user', name: 'bob', via: 'pools', pattern: 'workstations' }] });
    expect((await explain('user=carol&pool=workstations')).json).toMatchObject({ allowed: false, grants: [], admin: { is: false } });
    expect((await explain('user=admin&pool=nope')).json).toMatchObject({ allowed: false, admin: { is: true, by: ['admins'] }, notes: ['pool nope is not defined in pools.json'] });
    for (const bad of ['user=bob', 'user=bob&server=a&pool=b', 'server=a', 'user=bob&server=a&groups=%20lead']) {
      const refused = await explain(bad);
      expect([bad, refused.status, refused.json.error.code]).toEqual([bad, 400, 'INVALID_QUERY']);
    }
  });

  test('ok: SIGHUP stores changed policy files as a new version (audited) and puts it in force; unchanged files leave the stored version', async () => {
    const before = (await policyView()).history[0].version;
    const since = director.proc.lines.length;
    director.writePolicy({ users: { ...DEFAULT_POLICY.users, admins: ['admin', 'carol'] } });
    director.proc.proc.kill('SIGHUP');
    await director.proc.waitForMsg('changed policy files stored as a new version', 5000, since);
    const reload = await eventually(async () => (await auditOf('policy.reload'))[0], 5000, 'policy.reload audited');
    expect(reload).toMatchObject({ actor: 'SIGHUP', outcome: 'success', detail: `version ${before + 1}, stored from the changed policy files` });
    expect((await auditOf('policy.import'))[0]).toMatchObject({ actor: 'SIGHUP', target: `version ${before + 1}`, detail: expect.stringContaining('carol') });
    expect((await policyView()).history[0]).toMatchObject({ version: before + 1, source: 'files', createdBy: 'SIGHUP' });
    expect(typeof (await login(director.url, director.caPem, 'carol', TEST_USERS.carol!, 'admin'))).toBe('string');
    // The same files once more: the store is re-read, nothing new is stored.
    director.proc.proc.kill('SIGHUP');
    await eventually(async () => ((await auditOf('policy.reload'))[0]?.detail === `version ${before + 1}` ? true : undefined), 5000, 'a plain reload');
    expect((await policyView()).history[0].version).toBe(before + 1);
  });
});
