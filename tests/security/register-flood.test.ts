import { afterAll, beforeAll, expect, test } from 'bun:test';
import { approveAgent, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { registrationBody } from '../helpers/agent-csr.ts';
import { callFrom } from '../helpers/bound-client.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/** A registration flood from one address does not keep a real agent on another address out. */
let director: DirectorHandle;
let agent: AgentHandle | undefined;

beforeAll(async () => {
  director = await startDirector();
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

test('ok: 5,000 new GUIDs from 127.0.0.2 are rate-limited (429 + Retry-After) while a real agent on 127.0.0.1 enrols within 60 s', async () => {
  let started = Date.now();
  const statuses = new Map<number, number>();
  let retryAfter = 0;
  let next = 0;
  const flood = Promise.all(
    Array.from({ length: 25 }, async () => {
      while (next < 5000) {
        next++;
        const response = await callFrom('127.0.0.2', `${director.url}/v1/agent/register`, director.caPem, { method: 'POST', json: await registrationBody(`flood-${next}`) });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 429) retryAfter = Number(response.headers['retry-after']);
      }
    }),
  );
  // The real agent arrives while the flood is in full swing (well past the 1,000-pending cap it used to fill).
  await eventually(() => next >= 1500, 60_000, 'flood under way');
  started = Date.now();
  agent = await startAgent(director.url);
  const { serverId } = await approveAgent(director, agent);
  const enrolledMs = Date.now() - started;
  await flood;
  console.log(`register flood: ${JSON.stringify(Object.fromEntries(statuses))}; real agent enrolled after ${enrolledMs} ms`);
  expect(serverId).toBeTruthy();
  expect(enrolledMs).toBeLessThan(60_000);
  expect(statuses.get(429)).toBeGreaterThan(4900);
  expect(retryAfter).toBeGreaterThan(0);
  // The flood left at most a minute or two's budget of pending rows (default 30 per address and minute).
  const pending = (await call(`${director.url}/v1/admin/agents?state=pending`, { ca: director.caPem, cookie: await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin') })).json
    .agents;
  expect(pending.length).toBeLessThanOrEqual(60);
}, 120_000);
