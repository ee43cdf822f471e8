/** Several director processes on one PostgreSQL store (real processes, a private cluster). */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA } from '../../director/store/schema/index.ts';
import { DEFAULT_POLICY, startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { otherPolicyDirector } from '../helpers/other-policy-director.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

const TOKEN_KEY = 'ab'.repeat(32);
const CA_KEY = '5e'.repeat(32);
let pg: Postgres;
const directors: DirectorHandle[] = [];

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await Promise.all(directors.map((d) => d.stop()));
  await pg?.stop();
  cleanupTempDirs();
});

describe('directors on PostgreSQL', () => {
  test('ok: three directors starting at once migrate once, all serve, and share the audit trail', async () => {
    const pwFile = join(tempDir('dcvix-pw-'), 'store-password');
    writeFileSync(pwFile, `${pg.password}\n`, { mode: 0o600 });
    const started = await Promise.all(
      [0, 1, 2].map((i) =>
        startDirector({
          config: { store_url: pg.urlWithoutPassword, token_key: TOKEN_KEY, ...(i === 2 ? {} : { store_password_file: pwFile }) },
          // The third takes the password from the environment instead of a file.
          env: { DCVIX_STORE_CA_KEY: CA_KEY, ...(i === 2 ? { DCVIX_STORE_PASSWORD: pg.password } : {}) },
        }),
      ),
    );
    directors.push(...started);
    const applied = started.map((d) => d.proc.count('store migration applied'));
    // Exactly one director applied every migration; the others found nothing left to do.
    expect(applied.filter((n) => n > 0)).toEqual([SCHEMA.length]);
    for (const director of started) {
      expect(director.proc.lines.some((l) => l.includes(pg.password))).toBe(false);
      expect(director.proc.lines.some((l) => l.includes('"store ready"') && l.includes(`127.0.0.1:${pg.port}`))).toBe(true);
    }

    // One CA for all: the first initialised it in the store under the lock, the others installed it.
    expect(new Set(started.map((d) => d.caPem)).size).toBe(1);
    const [directorA, directorB] = started as [DirectorHandle, DirectorHandle];
    await login(directorA.url, directorA.caPem, 'alice', TEST_USERS.alice!);
    const admin = await login(directorB.url, directorB.caPem, 'admin', TEST_USERS.admin!, 'admin');
    // Audit writes do not hold up the login answer: wait for the row to land.
    const events = await eventually(
      async () => {
        const response = await call(`${directorB.url}/v1/admin/audit?type=login&actor=alice`, { ca: directorB.caPem, cookie: admin });
        return response.status === 200 && response.json.events.length > 0 && response.json.events;
      },
      5000,
      "alice's login in the audit seen through another director",
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'alice', outcome: 'success' });
  });

  test('ok: a logout on one director is refused on the others within 2 s', async () => {
    const [directorA, directorB] = directors as [DirectorHandle, DirectorHandle];
    const cookie = await login(directorA.url, directorA.caPem, 'bob', TEST_USERS.bob!);
    expect((await call(`${directorB.url}/v1/user/servers`, { ca: directorB.caPem, cookie })).status).toBe(200);
    expect((await call(`${directorA.url}/v1/logout`, { method: 'POST', ca: directorA.caPem, cookie })).status).toBe(200);
    const refused = await eventually(
      async () => {
        const response = await call(`${directorB.url}/v1/user/servers`, { ca: directorB.caPem, cookie });
        return response.status === 401 && response;
      },
      2000,
      'director B refusing the logged-out cookie',
    );
    expect(refused.json.error.code).toBe('SESSION_REVOKED');
  });

  test('ok: each director reports its policy hash; admins see a warning while one runs another policy; an edit reaches all', async () => {
    const [directorA, , directorC] = directors as [DirectorHandle, DirectorHandle, DirectorHandle];
    const admin = await login(directorA.url, directorA.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const view = () => call(`${directorA.url}/v1/admin/directors`, { ca: directorA.caPem, cookie: admin }).then((r) => r.json);
    const agreed = await eventually(async () => ((await view()).directors.length === 3 ? view() : undefined), 5000, 'three directors listed');
    expect(agreed.policyConsistent).toBe(true);
    expect(new Set(agreed.directors.map((x: { policyHash: string }) => x.policyHash)).size).toBe(1);
    expect(agreed.directors.filter((x: { self: boolean }) => x.self)).toHaveLength(1);

    // One running another policy (a release that reads only its policy files) splits them.
    const other = await otherPolicyDirector(pg.url);
    const split = await eventually(
      async () => {
        const state = await view();
        return state.policyConsistent === false && state;
      },
      5000,
      'the policy split seen',
    );
    expect(split.warning).toContain('different policies');
    await eventually(() => directors.some((d) => d.proc.count('directors disagree on the policy') > 0), 5000, 'a warning in the log');

    await other.stop();
    await eventually(async () => (await view()).policyConsistent === true, 5000, 'agreement again');
    // An edit through C is in force on all three: they agree on its hash.
    const before = agreed.directors[0].policyHash;
    const adminC = await login(directorC.url, directorC.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const version = (await call(`${directorC.url}/v1/admin/policy`, { ca: directorC.caPem, cookie: adminC })).json.status.version.version;
    const users = { ...DEFAULT_POLICY.users, admins: ['admin', 'carol'] };
    const saved = await call(`${directorC.url}/v1/admin/policy`, { method: 'PUT', ca: directorC.caPem, cookie: adminC, json: { version, users, pools: DEFAULT_POLICY.pools } });
    expect(saved.status).toBe(200);
    const edited = await eventually(
      async () => {
        const state = await view();
        return state.policyConsistent && state.directors.every((x: { policyHash: string }) => x.policyHash !== before) && state;
      },
      10_000,
      'all three on the edited policy',
    );
    expect(edited.directors).toHaveLength(3);
  });

  test('ok: one director leads background work; when it is killed another takes over within seconds', async () => {
    const live = directors.filter((d) => d.proc.proc.exitCode === null);
    const leaders = await eventually(
      () => {
        const leaders = live.filter((d) => d.proc.count('became leader for background work') > 0);
        return leaders.length > 0 && leaders;
      },
      5000,
      'a leader',
    );
    expect(leaders).toHaveLength(1);
    const old = leaders[0]!;
    old.proc.proc.kill('SIGKILL');
    await old.proc.exited;
    const killedAt = Date.now();
    const next = await Promise.any(live.filter((d) => d !== old).map((d) => d.proc.next('became leader for background work', 10_000).then(() => d)));
    expect(next).not.toBe(old);
    console.log(`leader takeover after kill -9: ${Date.now() - killedAt} ms`);
  });

  test('rejects: a director with another token key, another CA, or the wrong store CA key refuses to start, saying why', async () => {
    const env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: CA_KEY };
    const store = { store_url: pg.urlWithoutPassword, token_key: TOKEN_KEY };
    const otherKey = await startDirector({ config: { ...store, token_key: 'ef'.repeat(32) }, env }).catch((e: Error) => e);
    expect(String(otherKey)).toContain('token_key differs from the token key the other directors on this store use');
    const wrongSeal = await startDirector({ config: store, env: { ...env, DCVIX_STORE_CA_KEY: '77'.repeat(32) } }).catch((e: Error) => e);
    expect(String(wrongSeal)).toContain('cannot open the CA key in the store');
    // A director that made its own CA (embedded store) cannot then join the shared store with it.
    const solo = await startDirector({ config: { token_key: TOKEN_KEY } });
    await solo.stop();
    const joined = await startDirector({ dir: solo.dir, config: store, env }).catch((e: Error) => e);
    expect(String(joined)).toContain("this director's CA");
    expect(String(joined)).toContain('differs from the CA in the store');
  });

  test('rejects: a store_url carrying a password, with a message that does not echo it', async () => {
    const outcome = await startDirector({ config: { store_url: `postgres://dcvix:leaked-pw@127.0.0.1:${pg.port}/dcvix` } }).catch((e: Error) => e);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toContain('must not contain a password');
    expect((outcome as Error).message).not.toContain('leaked-pw');
  });
});
