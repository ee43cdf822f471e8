/** A director on PostgreSQL while PostgreSQL is stopped and started again (real processes). */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

let pg: Postgres;
let d: DirectorHandle;
let agent: AgentHandle;

beforeAll(async () => {
  pg = await startPostgres();
  d = await startDirector({
    config: { store_url: pg.urlWithoutPassword, token_key: '3c'.repeat(32) },
    env: { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '4d'.repeat(32) },
  });
  agent = await startAgent(d.url);
  await agent.proc.waitForMsg('registration pending approval', 30_000);
});
afterAll(async () => {
  await agent?.stop();
  await d?.stop();
  await pg?.stop();
  cleanupTempDirs();
});

describe('PostgreSQL down', () => {
  test('ok: tokens and the verifier answer from memory, writes get 503 STORE_UNAVAILABLE, both edges are logged, and it recovers by itself', async () => {
    const user = await login(d.url, d.caPem, 'alice', TEST_USERS.alice!);
    const admin = await login(d.url, d.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const guid = (await call(`${d.url}/v1/admin/agents?state=pending`, { ca: d.caPem, cookie: admin })).json.agents[0].guid;

    await pg.pause();
    const approve = await call(`${d.url}/v1/admin/agents/${guid}/approve`, { method: 'POST', ca: d.caPem, cookie: admin });
    expect([approve.status, approve.json.error.code, approve.headers.get('retry-after')]).toEqual([503, 'STORE_UNAVAILABLE', '5']);
    await d.proc.waitForMsg('store unreachable; serving from memory, refusing writes with 503', 5000);
    expect((await call(`${d.url}/v1/user/servers`, { ca: d.caPem, cookie: user })).status).toBe(200);
    const verify = await call(`${d.url}/v1/user/authtokenverify`, {
      method: 'POST',
      ca: d.caPem,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'sessionId=s1&authenticationToken=not-a-token&clientAddress=192.0.2.1',
    });
    expect([verify.status, verify.text]).toEqual([200, expect.stringContaining('<auth result="no">')]);

    await pg.resume();
    await d.proc.waitForMsg('store reachable again', 10_000);
    const again = await call(`${d.url}/v1/admin/agents/${guid}/approve`, { method: 'POST', ca: d.caPem, cookie: admin });
    expect(again.status).toBe(200);
    await agent.proc.waitForMsg('registered with the director', 30_000);
  });
});
