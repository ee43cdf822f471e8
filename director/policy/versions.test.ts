import { describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../shared/clock.ts';
import type { ApiError } from '../../shared/errors.ts';
import { silentLogger } from '../../shared/log.ts';
import { linkedFeeds } from '../../tests/helpers/linked-feeds.ts';
import { eventually } from '../../tests/helpers/https.ts';
import { tempDir } from '../../tests/helpers/temp.ts';
import type { AuditEvent } from '../audit/types.ts';
import { openDatabase } from '../store/db.ts';
import { PolicyHolder, readPolicyFiles } from './holder.ts';
import { createSqlitePolicyVersionStore } from './version-store.ts';
import { PolicyVersions } from './versions.ts';

const USERS = { admins: ['admin'], users: { alice: { servers: ['ws01'], pools: [] } } };
const POOLS = { pools: { eng: { servers: ['ws01', 'ws02'] } } };

/** Two directors (services) on one embedded store, their feeds linked; the policy files in a temp dir. */
function rig() {
  const dir = tempDir('dcvix-policy-versions-');
  writeFileSync(join(dir, 'users.json'), JSON.stringify(USERS));
  writeFileSync(join(dir, 'pools.json'), JSON.stringify(POOLS));
  const db = openDatabase(':memory:');
  const store = createSqlitePolicyVersionStore(db);
  const clock = new FakeClock();
  const events: AuditEvent[] = [];
  const feeds = linkedFeeds(2);
  const directors = feeds.map((feed) => {
    const holder = new PolicyHolder(dir, silentLogger, () => clock.now());
    holder.adopt(readPolicyFiles(dir));
    return { holder, versions: new PolicyVersions({ store, holder, feed, clock, log: silentLogger, audit: { record: (event) => void events.push(event), list: async () => [] } }) };
  });
  return { dir, db, store, clock, events, directors: directors as [(typeof directors)[0], (typeof directors)[0]] };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: ApiError) => [err.status, err.code, err.message],
  );

describe('policy versions in the store', () => {
  test('ok: the first director seeds an empty store from the files (audited); the next loads that version', async () => {
    const { directors, events, store } = rig();
    const files = readPolicyFiles(directors[0].holder.directory);
    await directors[0].versions.open(files);
    await directors[1].versions.open(files);
    expect((await store.history(10)).map((v) => [v.version, v.source, v.createdBy])).toEqual([[1, 'files', 'start-up']]);
    expect(directors.map((d) => d.holder.versionNumber)).toEqual([1, 1]);
    expect(events).toEqual([expect.objectContaining({ type: 'policy.import', actor: 'start-up', target: 'version 1', detail: expect.stringContaining('users.json') })]);
  });

  test('ok: an edit is stored, in force at once, audited with a diff, and in force on the other director after the notice', async () => {
    const { directors, events } = rig();
    for (const each of directors) await each.versions.open(readPolicyFiles(each.holder.directory));
    const users = { ...USERS, users: { ...USERS.users, bob: { servers: [], pools: ['eng'] } } };
    const saved = await directors[0].versions.save({ users, pools: POOLS }, 1, 'admin');
    expect(saved).toMatchObject({ changed: true, version: { version: 2, source: 'edit', createdBy: 'admin' } });
    expect(directors[0].holder.current.users.has('bob')).toBe(true);
    await eventually(async () => directors[1].holder.current.users.has('bob'), 2000, 'the other director reloading');
    expect(directors[1].holder.state.version?.version).toBe(2);
    const update = events.find((event) => event.type === 'policy.update')!;
    expect(update).toMatchObject({ actor: 'admin', target: 'version 2', outcome: 'success' });
    expect(JSON.parse(update.detail!)).toEqual([{ path: 'users.json: users.bob', after: { servers: [], pools: ['eng'] } }]);
  });

  test('rejects: a save from an older version is refused (409, naming who saved since), nothing stored or merged', async () => {
    const { directors, store, events } = rig();
    for (const each of directors) await each.versions.open(readPolicyFiles(each.holder.directory));
    await directors[0].versions.save({ users: { ...USERS, admins: ['admin', 'carol'] }, pools: POOLS }, 1, 'admin');
    const [status, code, message] = (await refusal(directors[1].versions.save({ users: USERS, pools: { pools: {} } }, 1, 'dora')))!;
    expect([status, code]).toEqual([409, 'POLICY_VERSION_CONFLICT']);
    expect(message).toContain('changed since you loaded version 1 (version 2, saved by admin at');
    expect(await store.latestNumber()).toBe(2);
    expect(events.at(-1)).toMatchObject({ type: 'policy.update', actor: 'dora', outcome: 'failure' });
  });

  test('rejects: two saves from the same version at once: exactly one lands', async () => {
    const { directors, store } = rig();
    for (const each of directors) await each.versions.open(readPolicyFiles(each.holder.directory));
    const outcomes = await Promise.allSettled(directors.map((d, index) => d.versions.save({ users: { ...USERS, admins: [`admin${index}`] }, pools: POOLS }, 1, `admin${index}`)));
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await store.history(10)).map((v) => v.version)).toEqual([2, 1]);
  });

  test('rejects: an invalid edit names the file and the key (400 POLICY_INVALID); the policy in force stays', async () => {
    const { directors, store } = rig();
    await directors[0].versions.open(readPolicyFiles(directors[0].holder.directory));
    const bad = { pools: { eng: { servers: ['ws01'], max_sessions_per_user: 0 } } };
    expect(await refusal(directors[0].versions.save({ users: USERS, pools: bad }, 1, 'admin'))).toEqual([
      400,
      'POLICY_INVALID',
      'pools.json: pools.eng.max_sessions_per_user must be a whole number from 1 to 1000',
    ]);
    expect(await store.latestNumber()).toBe(1);
    expect(directors[0].holder.current.pools.get('eng')?.maxSessionsPerUser).toBeUndefined();
  });

  test('ok: saving what is already in force stores nothing', async () => {
    const { directors, store } = rig();
    await directors[0].versions.open(readPolicyFiles(directors[0].holder.directory));
    expect((await directors[0].versions.save({ users: structuredClone(USERS), pools: structuredClone(POOLS) }, 1, 'admin')).changed).toBe(false);
    expect(await store.latestNumber()).toBe(1);
  });

  test('rejects: a stored version that does not load keeps the policy in force, records why, and is tried again on a forced reload', async () => {
    const { directors, db } = rig();
    const [director] = directors;
    await director.versions.open(readPolicyFiles(director.holder.directory));
    db.run(`INSERT INTO policy_versions VALUES (2, '{"users": {"bob": {"servers": "ws01"}}}', '{}', 'import', 1, 'someone')`);
    expect(await director.versions.reload()).toEqual({ ok: false, error: 'stored policy version 2: users.json: users.bob.servers must be a list of host names or "*"' });
    expect([director.holder.versionNumber, director.holder.state.lastError]).toEqual([1, expect.stringContaining('stored policy version 2')]);
    expect(await director.versions.reload()).toEqual({ ok: true, version: 1, changed: false });
    expect((await director.versions.reload(true)).ok).toBe(false);
    db.run(`INSERT INTO policy_versions VALUES (3, '{"admins": ["admin"]}', '{}', 'import', 2, 'someone')`);
    expect(await director.versions.reload()).toEqual({ ok: true, version: 3, changed: true });
    expect(director.holder.state.lastError).toBeNull();
  });

  test('ok: SIGHUP stores changed policy files as a new version (audited, announced); unchanged files leave an edit made meanwhile in force', async () => {
    const { directors, dir, events, store } = rig();
    const [director, other] = directors;
    for (const each of directors) await each.versions.open(readPolicyFiles(dir));
    // An admin's edit through the other director; the files did not change: a signal keeps the edit.
    const withBob = { ...USERS, users: { ...USERS.users, bob: { servers: [], pools: ['eng'] } } };
    await other.versions.save({ users: withBob, pools: POOLS }, 1, 'admin');
    expect(await director.versions.signal()).toMatchObject({ ok: true, version: 2 });
    expect(director.holder.current.users.has('bob')).toBe(true);
    // The operator edits the files and signals: they become version 3, in force here and on the other director.
    writeFileSync(join(dir, 'users.json'), JSON.stringify({ ...USERS, admins: ['admin', 'carol'] }));
    expect(await director.versions.signal()).toEqual({ ok: true, version: 3, changed: true, imported: true });
    expect((await store.history(1))[0]).toMatchObject({ version: 3, source: 'files', createdBy: 'SIGHUP' });
    expect(events.at(-1)).toMatchObject({ type: 'policy.import', actor: 'SIGHUP', target: 'version 3', detail: expect.stringContaining('carol') });
    await eventually(() => other.holder.versionNumber === 3 || undefined, 2000, 'the other director on version 3');
    // The same files again: nothing stored.
    expect(await director.versions.signal()).toEqual({ ok: true, version: 3, changed: false });
    expect(await store.latestNumber()).toBe(3);
  });

  test('rejects: SIGHUP with policy files that do not read or validate is a failed reload; nothing stored, the policy in force kept', async () => {
    const { directors, dir, store } = rig();
    const [director] = directors;
    await director.versions.open(readPolicyFiles(dir));
    writeFileSync(join(dir, 'users.json'), '{ broken');
    expect(await director.versions.signal()).toEqual({ ok: false, error: expect.stringContaining('users.json: not valid JSON') });
    writeFileSync(join(dir, 'pools.json'), JSON.stringify({ pools: { eng: { servers: 'ws01' } } }));
    writeFileSync(join(dir, 'users.json'), JSON.stringify(USERS));
    expect(await director.versions.signal()).toEqual({ ok: false, error: expect.stringContaining('pools.json: pools.eng.servers') });
    expect([await store.latestNumber(), director.holder.versionNumber, director.holder.state.lastError]).toEqual([1, 1, expect.stringContaining('pools.eng.servers')]);
  });
});
