/**
 * Runtime state shared by two directors on one PostgreSQL: every agent reports to director A only, so
 * whatever director B knows of servers and sessions it read from the store (written behind by A and
 * announced by LISTEN/NOTIFY). Real processes: PostgreSQL, two directors, agents with the dcv simulator.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { generate } from 'otplib';
import { approveAgent, dcvArgvLog, DEFAULT_POLICY, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

const cookieOf = (r: { headers: Headers }, name: string) =>
  r.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];
/** The TOTP code `steps` time steps (30 s) from now. */
const codeAt = (secret: string, steps: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * steps });
/** More users placing at once than the store's connection pool holds (10). */
const CROWD = Array.from({ length: 14 }, (_, i) => `user${String(i).padStart(2, '0')}`);
const POLICY = {
  ...DEFAULT_POLICY,
  users: {
    ...DEFAULT_POLICY.users,
    users: { ...DEFAULT_POLICY.users.users, carol: { servers: [], pools: ['workstations'] }, ...Object.fromEntries(CROWD.map((name) => [name, { servers: [], pools: ['workstations'] }])) },
  },
};
const CROWD_PASSWORDS = Object.fromEntries(CROWD.map((name) => [name, `${name}-pw`]));
const CONFIG = (pg: Postgres) => ({ store_url: pg.urlWithoutPassword, token_key: '3c'.repeat(32), throttle: { max_failures: 3 } });
let env: Record<string, string>;
/** The one session the twenty creates gave carol, checked again after the restart. */
let carolsSession: string | undefined;
let pg: Postgres;
let directorA: DirectorHandle;
let directorB: DirectorHandle;
const agents: AgentHandle[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '4d'.repeat(32) };
  [directorA, directorB] = (await Promise.all([0, 1].map(() => startDirector({ config: CONFIG(pg), env, policy: POLICY, users: CROWD_PASSWORDS })))) as [DirectorHandle, DirectorHandle];
  for (let index = 0; index < 3; index++) {
    const agent = await startAgent(directorA.url, { config: { hostname: `rt-ws${index}` } });
    await approveAgent(directorA, agent);
    agents.push(agent);
  }
}, 120_000);
afterAll(async () => {
  await Promise.all(agents.map((x) => x.stop()));
  await Promise.all([directorA?.stop(), directorB?.stop()]);
  await pg?.stop();
  cleanupTempDirs();
});

const onlineOn = async (d: DirectorHandle, cookie: string) =>
  ((await call(`${d.url}/v1/servers`, { ca: d.caPem, cookie })).json?.servers ?? [])
    .filter((s: { online: boolean; stale?: boolean }) => s.online && !s.stale)
    .map((s: { id: string }) => s.id)
    .sort();

describe('runtime state shared through PostgreSQL', () => {
  test('ok: servers updated through A are online on B; a session created on A is verified by B within 2 s', async () => {
    const admin = await login(directorB.url, directorB.caPem, 'admin', TEST_USERS.admin!, 'admin');
    await eventually(async () => (await onlineOn(directorB, admin)).length === 3, 5000, 'B listing the three servers online, not stale');
    expect(agents.every((x) => x.proc.lines.every((l) => !l.includes(`:${directorB.port}`)))).toBe(true);

    const alice = await login(directorA.url, directorA.caPem, 'alice', TEST_USERS.alice!);
    const created = await call(`${directorA.url}/v1/user/sessions`, { method: 'POST', ca: directorA.caPem, cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect(created.status).toBe(200);
    const sessionId = created.json.session.id as string;
    const createdAt = Date.now();
    const token = (await call(`${directorA.url}/v1/user/sessions/${sessionId}/connection`, { ca: directorA.caPem, cookie: alice })).json.authToken as string;
    const verifyOnB = async () =>
      (
        await call(`${directorB.url}/v1/user/authtokenverify`, {
          method: 'POST',
          ca: directorB.caPem,
          body: new URLSearchParams({ sessionId, authenticationToken: token, clientAddress: '192.0.2.1' }),
        })
      ).text;
    const yes = await eventually(
      async () => {
        const answer = await verifyOnB();
        return answer.startsWith('<auth result="yes">') && answer;
      },
      2000,
      'B accepting the connection token of a session created on A',
    );
    expect(yes).toBe('<auth result="yes"><username>alice</username></auth>');
    console.log(`session created on A verified on B after ${Date.now() - createdAt} ms`);
    // B reconnects alice to that session instead of placing a new one.
    const again = await call(`${directorB.url}/v1/user/sessions`, { method: 'POST', ca: directorB.caPem, cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect([again.status, again.json.session.id, again.json.reconnected]).toEqual([200, sessionId, true]);
  });

  test('ok: twenty concurrent creates for one user spread over A and B give one session', async () => {
    const [onA, onB] = await Promise.all([login(directorA.url, directorA.caPem, 'carol', TEST_USERS.carol!), login(directorB.url, directorB.caPem, 'carol', TEST_USERS.carol!)]);
    const creates = Array.from({ length: 20 }, (_, index) => {
      const [director, cookie] = index % 2 === 0 ? [directorA, onA] : [directorB, onB];
      return call(`${director.url}/v1/user/sessions`, { method: 'POST', ca: director.caPem, cookie, json: { poolId: 'workstations', sessionType: 'virtual' } });
    });
    const answers = await Promise.all(creates);
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    const ids = new Set(answers.map((r) => r.json.session.id));
    expect(ids.size).toBe(1);
    carolsSession = [...ids][0];
    const createCalls = agents.flatMap((x) => dcvArgvLog(x)).filter((argv) => argv[0] === 'create-session' && argv.includes('carol'));
    expect(createCalls).toHaveLength(1);
    expect(createCalls[0]).toContain([...ids][0]);
  });

  test('ok: fourteen users placing at once through one director all get their session (held locks do not starve the store)', async () => {
    const cookies = await Promise.all(CROWD.map((name) => login(directorA.url, directorA.caPem, name, CROWD_PASSWORDS[name]!)));
    const answers = await Promise.all(
      cookies.map((cookie) => call(`${directorA.url}/v1/user/sessions`, { method: 'POST', ca: directorA.caPem, cookie, json: { poolId: 'workstations', sessionType: 'virtual' } })),
    );
    expect(answers.map((r) => r.status)).toEqual(CROWD.map(() => 200));
    expect(answers.map((r) => r.json.session.owner)).toEqual(CROWD);
  }, 30_000);

  test('rejects: login failures through A count on B (throttle counters shared)', async () => {
    const wrong = (d: DirectorHandle) => call(`${d.url}/v1/user/login`, { method: 'POST', ca: d.caPem, json: { userID: 'bob', password: 'wrong' } });
    for (let attempt = 0; attempt < 3; attempt++) expect((await wrong(directorA)).status).toBe(401);
    const refused = await eventually(
      async () => {
        const response = await call(`${directorB.url}/v1/user/login`, { method: 'POST', ca: directorB.caPem, json: { userID: 'bob', password: TEST_USERS.bob } });
        return response.status === 429 && response;
      },
      2500,
      'B refusing bob after three failures on A',
    );
    expect(refused.json.error.code).toBe('TOO_MANY_ATTEMPTS');
  });

  test('ok: restart everything (both directors and PostgreSQL): TOTP secrets, logouts, sessions and throttles survive', async () => {
    /** Restarts both directors on their directories and ports; `between` runs while both are down. */
    const restartBoth = async (config: Record<string, unknown>, between?: () => Promise<void>) => {
      await Promise.all([directorA.stop(), directorB.stop()]);
      await between?.();
      [directorA, directorB] = (await Promise.all(
        [directorA, directorB].map((d) => startDirector({ dir: d.dir, config: { ...config, director_port: d.port }, env, policy: POLICY, users: CROWD_PASSWORDS })),
      )) as [DirectorHandle, DirectorHandle];
    };
    // Both directors now ask for a TOTP code (window 2: the steps used below are all accepted).
    const withTotp = { ...CONFIG(pg), otp: { backend: 'totp', totp: { window: 2 } } };
    await restartBoth(withTotp);
    const first = await call(`${directorA.url}/v1/user/login`, { method: 'POST', ca: directorA.caPem, json: { userID: 'carol', password: TEST_USERS.carol } });
    expect(first.json.error).toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', enrolmentRequired: true });
    const enrol = cookieOf(first, 'dcvix_enrol')!;
    const secret = (await call(`${directorA.url}/v1/user/totp/enrol`, { method: 'POST', ca: directorA.caPem, cookie: enrol })).json.secret as string;
    expect((await call(`${directorA.url}/v1/user/totp/confirm`, { method: 'POST', ca: directorA.caPem, cookie: enrol, json: { code: await codeAt(secret, 0) } })).status).toBe(200);
    // Enrolled on A, used on B; then that cookie is logged out through B.
    // Kept as sent: computed again after the restart, it could fall in the next 30 s step and be a new code.
    const usedCode = await codeAt(secret, 1);
    const loggedOut = await login(directorB.url, directorB.caPem, 'carol', TEST_USERS.carol!, 'user', { otp: usedCode });
    expect((await call(`${directorB.url}/v1/logout`, { method: 'POST', ca: directorB.caPem, cookie: loggedOut })).status).toBe(200);

    await restartBoth(withTotp, async () => {
      await pg.pause();
      await pg.resume();
    });
    for (const director of [directorA, directorB]) {
      const response = await call(`${director.url}/v1/user/servers`, { ca: director.caPem, cookie: loggedOut });
      expect([response.status, response.json.error.code]).toEqual([401, 'SESSION_REVOKED']);
    }
    // The secret survived: a code is asked for (not an enrolment) and the next step's code works.
    const noCode = await call(`${directorB.url}/v1/user/login`, { method: 'POST', ca: directorB.caPem, json: { userID: 'carol', password: TEST_USERS.carol } });
    expect(noCode.json.error).toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', expected: ['otp'] });
    expect(noCode.json.error.enrolmentRequired).toBeUndefined();
    // The code used before the restart is spent (the replay guard's last step is stored too).
    expect((await call(`${directorA.url}/v1/user/login`, { method: 'POST', ca: directorA.caPem, json: { userID: 'carol', password: TEST_USERS.carol, otp: usedCode } })).status).toBe(401);
    const carol = await login(directorA.url, directorA.caPem, 'carol', TEST_USERS.carol!, 'user', { otp: await codeAt(secret, 2) });
    // Carol's session from the twenty creates is still hers through B (runtime state from the store):
    // its connection details are served, and a create reconnects to it.
    const conn = await call(`${directorB.url}/v1/user/sessions/${carolsSession}/connection`, { ca: directorB.caPem, cookie: carol });
    expect(conn.status).toBe(200);
    const again = await call(`${directorB.url}/v1/user/sessions`, { method: 'POST', ca: directorB.caPem, cookie: carol, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect([again.status, again.json.session.id, again.json.reconnected]).toEqual([200, carolsSession, true]);
    // Bob's throttle (three failures through A before the restart) still holds on B.
    const bob = await call(`${directorB.url}/v1/user/login`, { method: 'POST', ca: directorB.caPem, json: { userID: 'bob', password: TEST_USERS.bob } });
    expect([bob.status, bob.json.error.code]).toEqual([429, 'TOO_MANY_ATTEMPTS']);
  }, 120_000);
});
