import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { freePort } from '../../scripts/lib/free-port.ts';
import { approveAgent, dcvArgvLog, DEFAULT_POLICY, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * A director restart must not change what users get: servers, sessions and their pool come back from
 * agents.db (stale until the agent's next update), so a reconnect finds the same session without any
 * agent update in between (the agent here reports once an hour); connection-token use counts and
 * login throttles survive; the audit log shows the start and the graceful stop.
 */
const TOKEN_KEY = 'd4'.repeat(32);
let dir: string;
let port: number;
let director: DirectorHandle;
let agent: AgentHandle;
let serverId: string;
let sessionId: string;
const POLICY = {
  users: { ...DEFAULT_POLICY.users, users: { ...DEFAULT_POLICY.users.users, carol: { servers: [], pools: ['workstations'] } } },
  pools: DEFAULT_POLICY.pools,
};

const startOnFixedPort = () => startDirector({ dir, config: { director_port: port, token_key: TOKEN_KEY }, policy: POLICY, users: { erin: 'erin-pw' } });
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const createInPool = (cookie: string) => api('/v1/user/sessions', { method: 'POST', cookie, json: { poolId: 'workstations', sessionType: 'virtual' } });
const creates = () => dcvArgvLog(agent).filter((a) => a[0] === 'create-session').length;
const verify = async (token: string) =>
  (await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId, authenticationToken: token, clientAddress: '192.0.2.1' }) })).text;
const wrongPassword = async (user: string) => (await api('/v1/user/login', { method: 'POST', json: { userID: user, password: 'wrong' } })).status;

async function restart(how: 'kill -9' | 'graceful'): Promise<void> {
  if (how === 'kill -9') {
    director.proc.proc.kill('SIGKILL');
    await director.proc.exited;
  } else {
    await director.stop();
  }
  director = await startOnFixedPort();
}

/** The pool reconnect after a restart, before the agent said anything: the same session, no second create. */
async function expectSameSessionWithoutUpdate(): Promise<void> {
  const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
  const response = await createInPool(alice);
  expect(response.status).toBe(200);
  expect(response.json).toMatchObject({ reconnected: true, session: { id: sessionId, serverId, pool: 'workstations' } });
  expect(creates()).toBe(1);
  // The user sees why a new session would wait: the pool member is stale.
  const mine = (await api('/v1/user/servers', { cookie: alice })).json;
  expect(mine.pools.find((p: { id: string }) => p.id === 'workstations').members).toEqual([expect.objectContaining({ id: serverId, online: true, stale: true })]);
  const admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
  const servers = (await api('/v1/servers', { cookie: admin })).json.servers;
  // Still stale: no agent update arrived, the answer came from the stored state.
  expect(servers).toEqual([expect.objectContaining({ id: serverId, stale: true, online: true })]);
  // Stale servers are not chosen for new sessions until their agent updates.
  const carol = await createInPool(await login(director.url, director.caPem, 'carol', TEST_USERS.carol!));
  expect([carol.status, carol.json.error.code]).toEqual([503, 'NO_SERVER_AVAILABLE']);
  expect(creates()).toBe(1);
}

beforeAll(async () => {
  dir = tempDir('dcvix-restart-');
  port = await freePort();
  director = await startOnFixedPort();
  agent = await startAgent(director.url, { config: { update_interval: '1h', idle_timeout: 0 } });
  ({ serverId } = await approveAgent(director, agent));
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

describe('director restart', () => {
  test('ok: kill -9 right after a pool session was created: the reconnect gets the same session, no second create-session', async () => {
    const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    const response = await createInPool(alice);
    expect(response.json).toMatchObject({ reconnected: false, session: { serverId, pool: 'workstations' } });
    sessionId = response.json.session.id;
    expect(creates()).toBe(1);
    await restart('kill -9');
    await expectSameSessionWithoutUpdate();
  }, 60_000);

  test('ok: graceful restart: the same, and the audit log shows the stop and the start with what was loaded', async () => {
    await restart('graceful');
    await expectSameSessionWithoutUpdate();
    const admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const events = (await api('/v1/admin/audit?limit=1000', { cookie: admin })).json.events as { type: string; detail?: string }[];
    const lifecycle = events
      .filter((e) => e.type.startsWith('director.'))
      .map((e) => `${e.type}: ${e.detail}`)
      .reverse();
    expect(lifecycle).toEqual([
      'director.start: loaded 0 servers (stale until their agents update), 0 sessions, 0 login throttle keys',
      'director.start: loaded 1 servers (stale until their agents update), 1 sessions, 0 login throttle keys',
      'director.stop: graceful stop; 1 servers, 1 sessions in the store',
      'director.start: loaded 1 servers (stale until their agents update), 1 sessions, 0 login throttle keys',
    ]);
  }, 60_000);

  test('rejects: a connection token used its maximum number of times before a restart is refused after it', async () => {
    const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    const token = (await api(`/v1/user/sessions/${sessionId}/connection`, { cookie: alice })).json.authToken as string;
    const unused = (await api(`/v1/user/sessions/${sessionId}/connection`, { cookie: alice })).json.authToken as string;
    for (let use = 0; use < 3; use++) expect(await verify(token)).toBe('<auth result="yes"><username>alice</username></auth>');
    await restart('kill -9');
    expect(await verify(token)).toStartWith('<auth result="no"');
    // Not every token died: one never used still opens the session (same token_key).
    expect(await verify(unused)).toBe('<auth result="yes"><username>alice</username></auth>');
  }, 60_000);

  test('rejects: login throttles survive a graceful restart and a kill -9', async () => {
    for (const user of ['bob', 'erin']) {
      for (let attempt = 0; attempt < 5; attempt++) expect(await wrongPassword(user)).toBe(401);
      expect(await wrongPassword(user)).toBe(429);
    }
    await restart('graceful');
    const bob = await api('/v1/user/login', { method: 'POST', json: { userID: 'bob', password: TEST_USERS.bob } });
    expect([bob.status, bob.json.error.code]).toEqual([429, 'TOO_MANY_ATTEMPTS']);
    // kill -9 after the write-behind interval (1 s): erin's failures were written before the restart above anyway;
    // these fresh ones for carol must be too.
    for (let attempt = 0; attempt < 5; attempt++) expect(await wrongPassword('carol')).toBe(401);
    await Bun.sleep(1500);
    await restart('kill -9');
    for (const [user, pw] of [
      ['erin', 'erin-pw'],
      ['carol', TEST_USERS.carol!],
    ] as const) {
      const response = await api('/v1/user/login', { method: 'POST', json: { userID: user, password: pw } });
      expect([user, response.status]).toEqual([user, 429]);
    }
  }, 60_000);
});
