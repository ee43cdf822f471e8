import { afterAll, beforeAll, expect, test } from 'bun:test';
import { dcvSim, startDirectorWithAgent, type DirectorWithAgent } from '../helpers/dcvix.ts';
import { call } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * Issue 11, "timeouts agree", with the shipped defaults (no timeout in either config): the agent's
 * dcv_timeout (10 s) fits the director's agent_request_timeout (30 s) twice over plus margin, so a hung
 * dcv reaches the caller as DCV_TIMEOUT from the agent, not as the director giving up (AGENT_UNREACHABLE).
 */
let setup: DirectorWithAgent;
const servers = async () => (await call(`${setup.director.url}/v1/servers`, { ca: setup.director.caPem, cookie: setup.admin })).json.servers;

beforeAll(async () => {
  setup = await startDirectorWithAgent({ agent: { config: { hostname: 'ws-defaults' } } });
}, 60_000);

afterAll(async () => {
  await setup?.stop();
  cleanupTempDirs();
});

test('ok: with default timeouts the agent reports dcv_timeout 10 s and the server is healthy', async () => {
  const [server] = await servers();
  expect([server.id, server.dcvTimeoutMs, server.health.status]).toEqual([setup.serverId, 10_000, 'healthy']);
});

test('rejects: with default timeouts a hung dcv create-session is 502 DCV_TIMEOUT after dcv_timeout, not AGENT_UNREACHABLE', async () => {
  await dcvSim(setup.agent, 'sim-fail', 'create-session=hang');
  const started = Date.now();
  const response = await call(`${setup.director.url}/v1/sessions`, {
    method: 'POST',
    ca: setup.director.caPem,
    cookie: setup.admin,
    json: { serverId: setup.serverId, userId: 'alice', sessionType: 'virtual' },
  });
  expect([response.status, response.json.error.code]).toEqual([502, 'DCV_TIMEOUT']);
  expect(response.json.error.message).toBe('dcv create-session did not finish within 10000 ms');
  // Well before the director's own 30 s limit would have turned it into AGENT_UNREACHABLE.
  expect(Date.now() - started).toBeLessThan(25_000);
  expect((await servers())[0].health).toMatchObject({ status: 'unhealthy', reason: 'DCV_TIMEOUT' });
}, 45_000);
