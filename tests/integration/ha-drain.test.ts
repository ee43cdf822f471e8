import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { approveAgent, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * A drain on one director holds on every director sharing the PostgreSQL store: the mark is a column
 * of the server's row, announced on the change feed, and read again by every reservation. Real
 * processes: PostgreSQL, directors A and B, two agents reporting to A only.
 */
const POLICY = {
  users: {
    admins: ['admin'],
    users: { alice: { servers: ['ha-ws0'], pools: ['workstations'] }, bob: { servers: [], pools: ['workstations'] }, carol: { servers: [], pools: ['workstations'] } },
    groups: {},
  },
  pools: { pools: { workstations: { description: 'Two hosts', servers: ['ha-ws0', 'ha-ws1'] } } },
};
let pg: Postgres;
let directorA: DirectorHandle;
let directorB: DirectorHandle;
const agents: AgentHandle[] = [];

const on =
  (director: DirectorHandle) =>
  (path: string, init: Parameters<typeof call>[1] = {}) =>
    call(`${director.url}${path}`, { ca: director.caPem, ...init });
const signIn = (director: DirectorHandle, user: string, role?: 'admin') => login(director.url, director.caPem, user, `${user}-pw`, role);

beforeAll(async () => {
  pg = await startPostgres();
  const env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '5e'.repeat(32) };
  const config = { store_url: pg.urlWithoutPassword, token_key: '6f'.repeat(32) };
  [directorA, directorB] = (await Promise.all([0, 1].map(() => startDirector({ config, env, policy: POLICY })))) as [DirectorHandle, DirectorHandle];
  for (const hostname of ['ha-ws0', 'ha-ws1']) {
    const agent = await startAgent(directorA.url, { config: { hostname, update_interval: '500ms', idle_timeout: 0 } });
    await approveAgent(directorA, agent);
    agents.push(agent);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
  await Promise.all([directorA?.stop(), directorB?.stop()]);
  await pg?.stop();
  cleanupTempDirs();
});

describe('drain across directors on PostgreSQL', () => {
  test("ok: a drain through A is B's too: B places elsewhere, refuses a create by name and shows it in maintenance; an open through B reaches A", async () => {
    const apiA = on(directorA);
    const apiB = on(directorB);
    const adminA = await signIn(directorA, 'admin', 'admin');
    const adminB = await signIn(directorB, 'admin', 'admin');
    const [bob, alice] = await Promise.all([signIn(directorB, 'bob'), signIn(directorB, 'alice')]);
    await eventually(
      async () => ((await apiB('/v1/servers', { cookie: adminB })).json?.servers ?? []).filter((s: { online: boolean; stale: boolean }) => s.online && !s.stale).length === 2,
      10_000,
      'B listing both servers online',
    );
    // Two sessions on ha-ws1: with the fewest sessions, ha-ws0 would be every pool create's choice.
    for (const userId of ['x1', 'x2']) {
      const made = await apiA('/v1/sessions', { method: 'POST', cookie: adminA, json: { serverId: 'ha-ws1', userId, sessionType: 'virtual', override: true } });
      expect(made.status).toBe(200);
    }
    const drained = await apiA('/v1/servers/ha-ws0/drain', { method: 'POST', cookie: adminA, json: { reason: 'firmware' } });
    expect(drained.json).toMatchObject({ changed: true, server: { maintenance: { by: 'admin', reason: 'firmware' } } });

    // At once, whether or not B has heard: its reservation reads the row.
    const placed = await apiB('/v1/user/sessions', { method: 'POST', cookie: bob, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect([placed.status, placed.json.session?.serverId]).toEqual([200, 'ha-ws1']);
    await eventually(async () => (await apiB('/v1/user/servers', { cookie: alice })).json.servers[0]?.maintenance === true, 5000, 'B listing ha-ws0 in maintenance');
    const byName = await apiB('/v1/user/sessions', { method: 'POST', cookie: alice, json: { serverId: 'ha-ws0', sessionType: 'virtual' } });
    expect([byName.status, byName.json.error.code]).toEqual([503, 'SERVER_DRAINED']);
    expect((await apiB('/v1/servers/ha-ws0/drain', { method: 'POST', cookie: adminB })).json.changed).toBe(false);

    const opened = await apiB('/v1/servers/ha-ws0/open', { method: 'POST', cookie: adminB });
    expect(opened.json).toMatchObject({ changed: true, server: { maintenance: null } });
    await eventually(async () => (await apiA('/v1/servers', { cookie: adminA })).json.servers.find((s: { id: string }) => s.id === 'ha-ws0').maintenance === null, 5000, 'A seeing ha-ws0 open');
    const after = await apiA('/v1/user/sessions', { method: 'POST', cookie: await signIn(directorA, 'carol'), json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect([after.status, after.json.session?.serverId]).toEqual([200, 'ha-ws0']);
  }, 60_000);
});
