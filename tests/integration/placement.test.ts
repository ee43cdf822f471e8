import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveAgent, dcvArgvLog, dcvSim, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * Issue 11, placement around broken hosts, through real processes: a director, a pool of two agents
 * (ws-good, ws-bad) whose dcv simulators fail on demand (`sim-fail`), and a third agent (ws-slow)
 * outside the pool whose dcv_timeout does not fit the director's agent_request_timeout.
 * Timeouts: agents' dcv_timeout 8 s, director's agent_request_timeout 20 s (2 x 8 s + 2 s < 20 s).
 */
const AGENT_REQUEST_TIMEOUT_MS = 20_000;
const USERS = Array.from({ length: 24 }, (_, i) => `u${String(i + 1).padStart(2, '0')}`);
const POLICY = {
  users: { admins: ['admin'], users: Object.fromEntries(USERS.map((u) => [u, { servers: [], pools: ['workstations'] }])), groups: {} },
  pools: { pools: { workstations: { description: 'Two hosts', servers: ['ws-good', 'ws-bad'] } } },
};

let director: DirectorHandle;
let good: AgentHandle;
let bad: AgentHandle;
let slow: AgentHandle;
let admin: string;
const cookies = new Map<string, string>();

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const createOnPool = (user: string) => api('/v1/user/sessions', { method: 'POST', cookie: cookies.get(user), json: { poolId: 'workstations', sessionType: 'virtual' } });
const createDirect = (serverId: string, userId: string) => api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId, userId, sessionType: 'virtual' } });
const adminServer = async (id: string) => (await api('/v1/servers', { cookie: admin })).json.servers.find((s: { id: string }) => s.id === id);
const creates = (agent: AgentHandle) => dcvArgvLog(agent).filter((a) => a[0] === 'create-session');

beforeAll(async () => {
  director = await startDirector({
    config: { agent_request_timeout: `${AGENT_REQUEST_TIMEOUT_MS}ms`, placement_cooldown: '5m' },
    policy: POLICY,
    users: Object.fromEntries(USERS.map((u) => [u, `${u}-pw`])),
  });
  const agentConfig = (hostname: string, dcvTimeout: string, updateInterval = '500ms') => ({ config: { hostname, dcv_timeout: dcvTimeout, update_interval: updateInterval } });
  [good, bad, slow] = await Promise.all([
    startAgent(director.url, agentConfig('ws-good', '8s')),
    startAgent(director.url, agentConfig('ws-bad', '8s')),
    // 2 x 10 s + 2 s >= 20 s; updates only at start and after a session change, so a test can post its own.
    startAgent(director.url, agentConfig('ws-slow', '10s', '1h')),
  ]);
  ({ adminCookie: admin } = await approveAgent(director, good));
  for (const agent of [bad, slow]) await approveAgent(director, agent, { adminCookie: admin });
  for (const user of USERS) cookies.set(user, await login(director.url, director.caPem, user, `${user}-pw`));
}, 90_000);

afterAll(async () => {
  await Promise.all([good, bad, slow].map((a) => a?.stop()));
  await director?.stop();
  cleanupTempDirs();
});

describe('placement routes around broken hosts', () => {
  test('ok: 20 users at once on a pool whose other member fails create-session all land on the healthy one', async () => {
    // One session on ws-good first, so ws-bad (fewest sessions) is every placement's first choice and
    // the failover path is taken for sure (with both empty, live load would decide).
    const warmup = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId: 'ws-good', userId: 'warmup', sessionType: 'virtual', override: true } });
    expect(warmup.status).toBe(200);
    await dcvSim(bad, 'sim-fail', 'create-session=licenses');
    const results = await Promise.all(USERS.slice(0, 20).map((u) => createOnPool(u)));
    expect(results.map((r) => [r.status, r.json?.session?.serverId])).toEqual(USERS.slice(0, 20).map(() => [200, 'ws-good']));
    // ws-bad was tried (it had the fewest sessions), failed, and was skipped from then on.
    const tried = creates(bad).length;
    expect(tried).toBeGreaterThanOrEqual(1);
    expect(creates(good)).toHaveLength(21);
    const health = (await adminServer('ws-bad')).health;
    expect(health).toMatchObject({ status: 'unhealthy', reason: 'LICENSES_EXHAUSTED' });
    expect(health.message).toContain('All licenses in use');
    expect(Date.parse(health.since)).toBeGreaterThan(0);
    expect((await adminServer('ws-good')).health).toEqual({ status: 'healthy', since: expect.any(String) });
    const metrics = (await api('/metrics')).text;
    expect(metrics).toContain(`dcvix_placement_failures_total{reason="LICENSES_EXHAUSTED"} ${tried}`);
    // The user's view: the pool lists its members with their state.
    const mine = await api('/v1/user/servers', { cookie: cookies.get('u01') });
    const pool = mine.json.pools[0];
    expect(pool.members.map((m: { id: string; online: boolean; health: { status: string; reason?: string } }) => [m.id, m.online, m.health.status, m.health.reason])).toEqual([
      ['ws-bad', true, 'unhealthy', 'LICENSES_EXHAUSTED'],
      ['ws-good', true, 'healthy', undefined],
    ]);
    expect(pool.members.find((m: { id: string }) => m.id === 'ws-good').sessionCount).toBe(21);
    expect(pool.online).toBe(2);
    expect(JSON.stringify(mine.json)).not.toContain('ws-slow');
  }, 60_000);

  test('ok: the cooling-down host is back at once when a create on it succeeds (admin test session)', async () => {
    await dcvSim(bad, 'sim-fail', '--clear');
    const response = await createDirect('ws-bad', 'u24');
    expect([response.status, response.json.session?.serverId]).toEqual([200, 'ws-bad']);
    expect((await adminServer('ws-bad')).health.status).toBe('healthy');
    expect((await api(`/v1/sessions/${response.json.session.id}`, { method: 'DELETE', cookie: admin })).status).toBe(200);
  }, 30_000);

  test('ok: a host whose update reports dcv unavailable is skipped, says why, and is back after an update shows dcv healthy', async () => {
    await dcvSim(bad, 'sim-fail', 'list-sessions=error');
    const down = await eventually(
      async () => {
        const health = (await adminServer('ws-bad')).health;
        return health.reason === 'DCV_UNAVAILABLE' ? health : undefined;
      },
      10_000,
      'ws-bad unhealthy from its update',
    );
    expect(down.message).toContain('Could not connect to the DCV server');
    const before = creates(bad).length;
    const response = await createOnPool('u21');
    expect([response.status, response.json.session?.serverId]).toEqual([200, 'ws-good']);
    expect(creates(bad)).toHaveLength(before);
    const direct = await createDirect('ws-bad', 'u24');
    expect([direct.status, direct.json.error.code, direct.json.error.reason]).toEqual([503, 'SERVER_UNHEALTHY', 'DCV_UNAVAILABLE']);
    expect(direct.json.error.message).toContain('Could not connect to the DCV server');
    await dcvSim(bad, 'sim-fail', '--clear');
    await eventually(async () => (await adminServer('ws-bad')).health.status === 'healthy', 10_000, 'ws-bad healthy again');
    const back = await createOnPool('u22');
    expect([back.status, back.json.session?.serverId]).toEqual([200, 'ws-bad']);
  }, 40_000);

  test('rejects: a hung dcv is DCV_TIMEOUT; with both members hung the user gets 503 with the reason within the deadline', async () => {
    await Promise.all([dcvSim(good, 'sim-fail', 'create-session=hang'), dcvSim(bad, 'sim-fail', 'create-session=hang')]);
    const started = Date.now();
    const response = await createOnPool('u23');
    const took = Date.now() - started;
    expect([response.status, response.json.error.code, response.json.error.reason]).toEqual([503, 'NO_HEALTHY_SERVER', 'DCV_TIMEOUT']);
    expect(response.json.error.message).toContain('did not finish within 8000 ms');
    expect(took).toBeLessThan(AGENT_REQUEST_TIMEOUT_MS + 5_000 + 3_000);
    for (const agent of [good, bad]) expect(creates(agent).at(-1)).toContain('u23');
    for (const id of ['ws-good', 'ws-bad']) expect((await adminServer(id)).health.reason).toBe('DCV_TIMEOUT');
    // Every member is cooling down now: the next user is told at once, without another agent call.
    const calls = creates(good).length + creates(bad).length;
    const next = await createOnPool('u24');
    expect([next.status, next.json.error.code, next.json.error.reason]).toEqual([503, 'NO_HEALTHY_SERVER', 'DCV_TIMEOUT']);
    expect(creates(good).length + creates(bad).length).toBe(calls);
    // Picked by name, a cooling-down server is still tried; the hung dcv surfaces as DCV_TIMEOUT, not AGENT_UNREACHABLE.
    const direct = await createDirect('ws-good', 'u24');
    expect([direct.status, direct.json.error.code]).toEqual([502, 'DCV_TIMEOUT']);
    await Promise.all([dcvSim(good, 'sim-fail', '--clear'), dcvSim(bad, 'sim-fail', '--clear')]);
  }, 60_000);

  test('ok: an agent whose dcv_timeout does not fit agent_request_timeout shows MISCONFIGURED_TIMEOUTS; updates without dcvTimeoutMs are still taken', async () => {
    const server = await adminServer('ws-slow');
    expect(server.dcvTimeoutMs).toBe(10_000);
    expect(server.health).toMatchObject({ status: 'unhealthy', reason: 'MISCONFIGURED_TIMEOUTS' });
    expect(server.health.message).toContain('agent_request_timeout 20000 ms');
    // An older agent (or one written to the specification) sends no dcvTimeoutMs.
    const files = (f: string) => readFileSync(join(slow.dataDir, f), 'utf8');
    const tls = { ca: director.caPem, cert: files('agent.crt'), key: files('agent.key') };
    const stats = { hostname: 'ws-slow', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };
    const plain = await call(`${director.url}/v1/agent/update`, { method: 'POST', ...tls, json: { sessions: [], stats, tags: [] } });
    expect(plain.status).toBe(200);
    expect(await adminServer('ws-slow')).toMatchObject({ dcvTimeoutMs: null, health: { status: 'healthy' } });
    const bogus = await call(`${director.url}/v1/agent/update`, { method: 'POST', ...tls, json: { sessions: [], stats, tags: [], dcvTimeoutMs: 'ten' } });
    expect([bogus.status, bogus.json.error.code]).toEqual([400, 'INVALID_UPDATE']);
  }, 30_000);
});
