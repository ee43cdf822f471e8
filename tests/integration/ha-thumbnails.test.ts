/**
 * Session thumbnails with two directors on one PostgreSQL: the screenshot one director took is a row
 * the other answers from, so the agent is asked once per session per cache time however many directors
 * serve the thumbnails; the row goes when the session closes. Real processes: PostgreSQL, two
 * directors, one agent (reporting to A) with the dcv simulator.
 */
import type { SQL } from 'bun';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { connectPostgres } from '../../director/store/postgres.ts';
import { approveAgent, dcvArgvLog, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

let pg: Postgres;
let sql: SQL;
let directorA: DirectorHandle;
let directorB: DirectorHandle;
let agent: AgentHandle;

beforeAll(async () => {
  pg = await startPostgres();
  const env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '4d'.repeat(32) };
  const config = { store_url: pg.urlWithoutPassword, token_key: '3c'.repeat(32) };
  [directorA, directorB] = (await Promise.all([0, 1].map(() => startDirector({ config, env })))) as [DirectorHandle, DirectorHandle];
  agent = await startAgent(directorA.url, { config: { hostname: 'ha-shot' } });
  await approveAgent(directorA, agent);
  sql = await connectPostgres(pg.url, undefined, { max: 1 });
}, 120_000);
afterAll(async () => {
  await sql?.close();
  await agent?.stop();
  await Promise.all([directorA?.stop(), directorB?.stop()]);
  await pg?.stop();
  cleanupTempDirs();
});

const screenshot = async (director: DirectorHandle, path: string, cookie: string) => {
  const response = await fetch(`${director.url}${path}`, { headers: { cookie }, tls: { ca: director.caPem } } as RequestInit);
  return { status: response.status, type: response.headers.get('content-type'), bytes: [...new Uint8Array(await response.arrayBuffer())] };
};
const dcvScreenshots = () => dcvArgvLog(agent).filter((argv) => argv[0] === 'get-screenshot').length;
const rows = async () => Number((await sql`SELECT COUNT(*)::int AS n FROM session_thumbnails`)[0].n);

describe('session thumbnails shared through PostgreSQL', () => {
  test('ok: a screenshot taken through A answers on B without asking the agent again; closing the session drops the row', async () => {
    const aliceOnA = await login(directorA.url, directorA.caPem, 'alice', TEST_USERS.alice!);
    const started = await call(`${directorA.url}/v1/user/sessions`, { method: 'POST', ca: directorA.caPem, cookie: aliceOnA, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect(started.status).toBe(200);
    const id = started.json.session.id as string;
    const onA = await screenshot(directorA, `/v1/user/sessions/${id}/screenshot`, aliceOnA);
    expect([onA.status, onA.type, dcvScreenshots(), await rows()]).toEqual([200, 'image/png', 1, 1]);

    const aliceOnB = await login(directorB.url, directorB.caPem, 'alice', TEST_USERS.alice!);
    const adminOnB = await login(directorB.url, directorB.caPem, 'admin', TEST_USERS.admin!, 'admin');
    // B knows the session once A's write reached it; from then on it answers from the row.
    const onB = await eventually(
      async () => {
        const answer = await screenshot(directorB, `/v1/user/sessions/${id}/screenshot`, aliceOnB);
        return answer.status === 200 && answer;
      },
      10_000,
      'the session known on B',
    );
    const adminB = await screenshot(directorB, `/v1/sessions/${id}/screenshot`, adminOnB);
    expect([onB.bytes, adminB.bytes]).toEqual([onA.bytes, onA.bytes]);
    expect(dcvScreenshots()).toBe(1);

    expect((await call(`${directorA.url}/v1/user/sessions/${id}`, { method: 'DELETE', ca: directorA.caPem, cookie: aliceOnA })).status).toBe(200);
    await eventually(async () => (await rows()) === 0, 15_000, "the housekeeper dropping the closed session's screenshot");
  }, 60_000);
});
