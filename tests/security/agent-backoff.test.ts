import { afterAll, expect, test } from 'bun:test';
import { registrationBody } from '../helpers/agent-csr.ts';
import { startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/** A real agent refused with 429 waits as long as Retry-After says (plus jitter), not its short interval. */
let director: DirectorHandle | undefined;
let agent: AgentHandle | undefined;

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

test('ok: on 429 the agent backs off for Retry-After (capped at 5 min) instead of retrying every register_interval', async () => {
  director = await startDirector({ config: { max_pending_agents: 1 } });
  // The one pending slot is taken: the agent's registration gets 429 TOO_MANY_PENDING, Retry-After 120.
  await call(`${director.url}/v1/agent/register`, { method: 'POST', ca: director.caPem, json: await registrationBody('squatter') });
  agent = await startAgent(director.url, { config: { register_interval: '200ms' } });
  const refused = await agent.proc.waitForMsg('registration failed; retrying', 20_000);
  expect(refused.error).toContain('TOO_MANY_PENDING');
  // Retry-After honoured, plus jitter of up to half of it (under the 5-min cap, so it is not flattened).
  expect(refused.retryInMs).toBeGreaterThanOrEqual(120_000);
  expect(refused.retryInMs).toBeLessThanOrEqual(180_000);
  await Bun.sleep(3000);
  // With the 200 ms interval it would have asked ~15 more times by now.
  expect(agent.proc.count('registration failed; retrying')).toBe(1);
}, 60_000);
