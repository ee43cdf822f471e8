import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { approveAgent, command, dcvArgvLog, dcvSim, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * Issue 25, the DCV host self-check through real processes: a pool of two hosts whose simulated DCV
 * servers run with a dcv.conf each (`dcv sim-verifier`); ws-old's verifier is a broker of before, so the
 * director shows it unhealthy with the reason and places the pool's sessions on ws-ok; `dcvix-agent
 * doctor` says the same on the host.
 */
const POLICY = {
  users: { admins: ['admin'], users: { alice: { servers: [], pools: ['workstations'] }, bob: { servers: [], pools: ['workstations'] } }, groups: {} },
  pools: { pools: { workstations: { description: 'Two hosts', servers: ['ws-ok', 'ws-old'] } } },
};

let director: DirectorHandle;
let ok: AgentHandle;
let old: AgentHandle;
let admin: string;

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const adminServer = async (id: string) => (await api('/v1/servers', { cookie: admin })).json.servers.find((s: { id: string }) => s.id === id);
const verifier = () => `${director.url}/v1/user/authtokenverify`;
const doctor = (agent: AgentHandle) => run([...command('agent'), 'doctor', '--config', join(agent.dir, 'dcvix-agent.conf')], { allowFail: true, env: agent.env });

beforeAll(async () => {
  director = await startDirector({ policy: POLICY });
  const agentConfig = (hostname: string) => ({ config: { hostname, update_interval: '300ms' } });
  [ok, old] = await Promise.all([startAgent(director.url, agentConfig('ws-ok')), startAgent(director.url, agentConfig('ws-old'))]);
  ({ adminCookie: admin } = await approveAgent(director, ok));
  await approveAgent(director, old, { adminCookie: admin });
}, 90_000);

afterAll(async () => {
  await Promise.all([ok, old].map((agent) => agent?.stop()));
  await director?.stop();
  cleanupTempDirs();
});

describe('DCV host self-check', () => {
  test('ok: a host whose verifier points elsewhere is unhealthy with the reason, and a pool places on the other', async () => {
    await dcvSim(ok, 'sim-verifier', verifier());
    await dcvSim(old, 'sim-verifier', 'http://old-broker:8444');
    const health = await eventually(
      async () => {
        const server = await adminServer('ws-old');
        return server?.health.reason === 'DCV_MISCONFIGURED' ? server : undefined;
      },
      15_000,
      'ws-old unhealthy',
    );
    expect(health.health).toMatchObject({ status: 'unhealthy', message: 'auth-token-verifier points at http://old-broker:8444' });
    expect(health.dcvCheck).toEqual({
      source: join(old.dir, 'dcv.conf'),
      verifier: 'http://old-broker:8444',
      dcvVersion: '2024.0 (r18131)',
      problem: 'auth-token-verifier points at http://old-broker:8444',
    });
    const good = await eventually(async () => ((await adminServer('ws-ok'))?.dcvCheck?.verifier === verifier() ? adminServer('ws-ok') : undefined), 15_000, 'ws-ok self-check');
    expect(good.health).toEqual({ status: 'healthy', since: expect.any(String) });
    // A session on ws-ok first: with both healthy, ws-old (fewer sessions) would be placement's first choice.
    const first = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId: 'ws-ok', userId: 'warmup', sessionType: 'virtual', override: true } });
    expect(first.status).toBe(200);
    for (const user of ['alice', 'bob']) {
      const cookie = await login(director.url, director.caPem, user, `${user}-pw`);
      const created = await api('/v1/user/sessions', { method: 'POST', cookie, json: { poolId: 'workstations', sessionType: 'virtual' } });
      expect([user, created.status, created.json?.session?.serverId]).toEqual([user, 200, 'ws-ok']);
    }
    expect(dcvArgvLog(old).filter((argv) => argv[0] === 'create-session')).toEqual([]);
    // Picked by name, it is refused with the reason too.
    const direct = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId: 'ws-old', userId: 'carol', sessionType: 'virtual' } });
    expect([direct.status, direct.json?.error?.code, direct.json?.error?.reason]).toEqual([503, 'SERVER_UNHEALTHY', 'DCV_MISCONFIGURED']);
  }, 60_000);

  test('ok: dcvix-agent doctor fails on the misconfigured host and names the verifier, passes on the other', async () => {
    const [bad, fine] = await Promise.all([doctor(old), doctor(ok)]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('[FAIL] DCV auth-token-verifier');
    expect(bad.stdout).toContain('http://old-broker:8444');
    expect(bad.stdout).toContain('[ok  ] DCV');
    expect(bad.stdout).toMatch(/\[ok {2}\] director https:\/\/127\.0\.0\.1:\d+: reachable/);
    expect(bad.stdout).toMatch(/\[ok {2}\] agent certificate .*issued by the CA the agent holds/);
    expect([fine.code, fine.stdout]).toEqual([0, expect.stringContaining('all 4 checks passed')]);
  }, 30_000);

  test('ok: the verifier fixed, the host is healthy again at the next update', async () => {
    await dcvSim(old, 'sim-verifier', verifier());
    const server = await eventually(
      async () => {
        const found = await adminServer('ws-old');
        return found?.health.status === 'healthy' ? found : undefined;
      },
      15_000,
      'ws-old healthy',
    );
    expect(server.dcvCheck.problem).toBeUndefined();
  }, 30_000);
});
