/**
 * Runtime state shared by two directors on one PostgreSQL: every agent reports to director A only, so
 * whatever director B knows of servers and sessions it read from the store (written behind by A and
 * announced by LISTEN/NOTIFY). Real processes: PostgreSQL, two directors, agents with the dcv simulator.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { approveAgent, dcvArgvLog, DEFAULT_POLICY, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

const POLICY = {
  ...DEFAULT_POLICY,
  users: { ...DEFAULT_POLICY.users, users: { ...DEFAULT_POLICY.users.users, carol: { servers: [], pools: ['workstations'] } } },
};
let pg: Postgres;
let a: DirectorHandle;
let b: DirectorHandle;
const agents: AgentHandle[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  const config = { store_url: pg.urlWithoutPassword, token_key: '3c'.repeat(32), throttle: { max_failures: 3 } };
  const env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '4d'.repeat(32) };
  [a, b] = (await Promise.all([0, 1].map(() => startDirector({ config, env, policy: POLICY })))) as [DirectorHandle, DirectorHandle];
  for (let i = 0; i < 3; i++) {
    const agent = await startAgent(a.url, { config: { hostname: `rt-ws${i}` } });
    await approveAgent(a, agent);
    agents.push(agent);
  }
}, 120_000);
afterAll(async () => {
  await Promise.all(agents.map((x) => x.stop()));
  await Promise.all([a?.stop(), b?.stop()]);
  await pg?.stop();
  cleanupTempDirs();
});

const onlineOn = async (d: DirectorHandle, cookie: string) =>
  ((await call(`${d.url}/v1/servers`, { ca: d.caPem, cookie })).json?.servers ?? []).filter((s: { online: boolean; stale?: boolean }) => s.online && !s.stale).map((s: { id: string }) => s.id).sort();

describe('runtime state shared through PostgreSQL', () => {
  test('ok: servers updated through A are online on B; a session created on A is verified by B within 2 s', async () => {
    const admin = await login(b.url, b.caPem, 'admin', TEST_USERS.admin!, 'admin');
    await eventually(async () => (await onlineOn(b, admin)).length === 3, 5000, 'B listing the three servers online, not stale');
    expect(agents.every((x) => x.proc.lines.every((l) => !l.includes(`:${b.port}`)))).toBe(true);

    const alice = await login(a.url, a.caPem, 'alice', TEST_USERS.alice!);
    const created = await call(`${a.url}/v1/user/sessions`, { method: 'POST', ca: a.caPem, cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect(created.status).toBe(200);
    const sessionId = created.json.session.id as string;
    const createdAt = Date.now();
    const token = (await call(`${a.url}/v1/user/sessions/${sessionId}/connection`, { ca: a.caPem, cookie: alice })).json.authToken as string;
    const verifyOnB = async () =>
      (await call(`${b.url}/v1/user/authtokenverify`, { method: 'POST', ca: b.caPem, body: new URLSearchParams({ sessionId, authenticationToken: token, clientAddress: '192.0.2.1' }) })).text;
    const yes = await eventually(async () => {
      const answer = await verifyOnB();
      return answer.startsWith('<auth result="yes">') && answer;
    }, 2000, 'B accepting the connection token of a session created on A');
    expect(yes).toBe('<auth result="yes"><username>alice</username></auth>');
    console.log(`session created on A verified on B after ${Date.now() - createdAt} ms`);
    // B reconnects alice to that session instead of placing a new one.
    const again = await call(`${b.url}/v1/user/sessions`, { method: 'POST', ca: b.caPem, cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect([again.status, again.json.session.id, again.json.reconnected]).toEqual([200, sessionId, true]);
  });

  test('ok: twenty concurrent creates for one user spread over A and B give one session', async () => {
    const [onA, onB] = await Promise.all([login(a.url, a.caPem, 'carol', TEST_USERS.carol!), login(b.url, b.caPem, 'carol', TEST_USERS.carol!)]);
    const creates = Array.from({ length: 20 }, (_, i) => {
      const [d, cookie] = i % 2 === 0 ? [a, onA] : [b, onB];
      return call(`${d.url}/v1/user/sessions`, { method: 'POST', ca: d.caPem, cookie, json: { poolId: 'workstations', sessionType: 'virtual' } });
    });
    const answers = await Promise.all(creates);
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    const ids = new Set(answers.map((r) => r.json.session.id));
    expect(ids.size).toBe(1);
    const createCalls = agents.flatMap((x) => dcvArgvLog(x)).filter((argv) => argv[0] === 'create-session' && argv.includes('carol'));
    expect(createCalls).toHaveLength(1);
    expect(createCalls[0]).toContain([...ids][0]);
  });

  test('rejects: login failures through A count on B (throttle counters shared)', async () => {
    const wrong = (d: DirectorHandle) => call(`${d.url}/v1/user/login`, { method: 'POST', ca: d.caPem, json: { userID: 'bob', password: 'wrong' } });
    for (let i = 0; i < 3; i++) expect((await wrong(a)).status).toBe(401);
    const refused = await eventually(async () => {
      const r = await call(`${b.url}/v1/user/login`, { method: 'POST', ca: b.caPem, json: { userID: 'bob', password: TEST_USERS.bob } });
      return r.status === 429 && r;
    }, 2500, 'B refusing bob after three failures on A');
    expect(refused.json.error.code).toBe('TOO_MANY_ATTEMPTS');
  });
});
