import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { approveAgent, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, repoRoot } from '../helpers/temp.ts';

/**
 * Issue 11, "timeouts agree", with the shipped defaults (no timeout in either config): the agent's
 * dcv_timeout (10 s) fits the director's agent_request_timeout (30 s) twice over plus margin, so a hung
 * dcv reaches the caller as DCV_TIMEOUT from the agent, not as the director giving up (AGENT_UNREACHABLE).
 */
let director: DirectorHandle;
let agent: AgentHandle;
let admin: string;
let serverId: string;

beforeAll(async () => {
  director = await startDirector();
  agent = await startAgent(director.url, { config: { hostname: 'ws-defaults' } });
  ({ adminCookie: admin, serverId } = await approveAgent(director, agent));
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

test('ok: with default timeouts the agent reports dcv_timeout 10 s and the server is healthy', async () => {
  const s = (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json.servers[0];
  expect([s.id, s.dcvTimeoutMs, s.health.status]).toEqual([serverId, 10_000, 'healthy']);
});

test('rejects: with default timeouts a hung dcv create-session is 502 DCV_TIMEOUT after dcv_timeout, not AGENT_UNREACHABLE', async () => {
  await run([join(repoRoot, 'tests/fixtures/dcv-simulator.ts'), 'sim-fail', 'create-session=hang'], { env: agent.env });
  const started = Date.now();
  const r = await call(`${director.url}/v1/sessions`, { method: 'POST', ca: director.caPem, cookie: admin, json: { serverId, userId: 'alice', sessionType: 'virtual' } });
  expect([r.status, r.json.error.code]).toEqual([502, 'DCV_TIMEOUT']);
  expect(r.json.error.message).toBe('dcv create-session did not finish within 10000 ms');
  // Well before the director's own 30 s limit would have turned it into AGENT_UNREACHABLE.
  expect(Date.now() - started).toBeLessThan(25_000);
  const s = (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json.servers[0];
  expect(s.health).toMatchObject({ status: 'unhealthy', reason: 'DCV_TIMEOUT' });
}, 45_000);
