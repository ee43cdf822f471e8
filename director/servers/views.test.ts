import { expect, test } from 'bun:test';
import { fleetHarness, RULES } from '../../tests/helpers/fleet-harness.ts';
import { parsePolicy } from '../policy/schema.ts';
import { markDrain } from './drain-rows.ts';
import { setPlacementFailure } from './session-rows.ts';
import { adminServersView, userServersJson } from './views.ts';

const OFFLINE_AFTER = 90_000;
const policy = parsePolicy(
  { admins: [], users: { alice: { servers: ['ws3', 'ws1', 'ws9'], pools: ['two', 'all'] }, star: { servers: ['*'], pools: [] } }, groups: {} },
  { pools: { all: { description: 'Every server', servers: ['*'] }, two: { servers: ['ws3', 'ws2', 'ws8'] } } },
);

async function fleet() {
  const rig = fleetHarness({ kind: 'sqlite' });
  for (const [guid, host] of [
    ['g1', 'ws1'],
    ['g2', 'ws2'],
    ['g3', 'ws3'],
  ] as const)
    await rig.registerAgent(guid, host);
  await rig.report('g1', 'ws1', [{ id: 'a1', owner: 'alice' }]);
  await rig.report('g2', 'ws2', [
    { id: 'b2', owner: 'bob' },
    { id: 'a2', owner: 'alice' },
  ]);
  await rig.report('g3', 'ws3', []);
  return rig;
}

const listOf = (rig: Awaited<ReturnType<typeof fleet>>, user: string) => JSON.parse(userServersJson(rig.state, policy, user, [], OFFLINE_AFTER));

test('ok: granted servers in order (one never heard from shown offline), pools with members and own sessions', async () => {
  const rig = await fleet();
  const list = listOf(rig, 'alice');
  expect(list.servers.map((s: { id: string; online: boolean }) => [s.id, s.online])).toEqual([
    ['ws1', true],
    ['ws3', true],
    ['ws9', false],
  ]);
  expect(list.servers[0].sessions.map((s: { id: string }) => s.id)).toEqual(['a1']);
  expect(list.servers[1]).toMatchObject({ stale: false, health: { status: 'healthy' }, tags: [], sessions: [] });
  expect(list.servers[2]).toEqual({ id: 'ws9', online: false, stale: false, maintenance: false, health: null, tags: [], stats: null, lastSeen: null, sessions: [] });
  const [all, two] = list.pools;
  expect([all.id, all.description, all.online, all.members.map((m: { id: string }) => m.id)]).toEqual(['all', 'Every server', 3, ['ws1', 'ws2', 'ws3']]);
  expect(all.members[1]).toMatchObject({ id: 'ws2', online: true, sessionCount: 2 });
  expect(all.sessions.map((s: { id: string }) => s.id).sort()).toEqual(['a1', 'a2']);
  expect([two.online, two.members.map((m: { id: string; online: boolean }) => [m.id, m.online])]).toEqual([
    2,
    [
      ['ws2', true],
      ['ws3', true],
      ['ws8', false],
    ],
  ]);
  expect(two.sessions.map((s: { id: string }) => s.id)).toEqual(['a2']);
  // servers "*": every server, none of the other users' sessions.
  expect(listOf(rig, 'star').servers.map((s: { id: string; sessions: unknown[] }) => [s.id, s.sessions.length])).toEqual([
    ['ws1', 0],
    ['ws2', 0],
    ['ws3', 0],
  ]);
});

test('ok: a row kept from an earlier list follows time (offline, end of a cool-down), updates and session counts', async () => {
  const rig = await fleet();
  const star = () => listOf(rig, 'star').servers as { id: string; online: boolean; health: { status: string; reason?: string } }[];
  const members = () => listOf(rig, 'alice').pools[0].members as { id: string; sessionCount: number }[];
  expect(star().map((s) => s.online)).toEqual([true, true, true]);
  const failure = { reason: 'DCV_TIMEOUT' as const, message: 'dcv hung', at: rig.clock.now(), until: rig.clock.now() + 60_000 };
  await rig.fleet.run(setPlacementFailure('ws2', failure, RULES, rig.clock.now()));
  expect(star()[1]!.health).toMatchObject({ status: 'unhealthy', reason: 'DCV_TIMEOUT' });
  rig.clock.advance(60_000);
  expect(star()[1]!.health.status).toBe('healthy');
  await rig.report('g1', 'ws1', [
    { id: 'a1', owner: 'alice' },
    { id: 'c1', owner: 'carol' },
  ]);
  expect(members()[0]!.sessionCount).toBe(2);
  rig.clock.advance(OFFLINE_AFTER - 60_000 + 1);
  expect(star().map((s) => [s.id, s.online])).toEqual([
    ['ws1', true],
    ['ws2', false],
    ['ws3', false],
  ]);
});

test('ok: a drain and an open show at once in lists kept from before (server rows and pool members), and to admins with who and why', async () => {
  const rig = await fleet();
  type Row = { id: string; maintenance: boolean };
  const star = () => listOf(rig, 'star').servers as Row[];
  const members = () => listOf(rig, 'alice').pools[0].members as Row[];
  expect([star().map((s) => s.maintenance), members().map((m) => m.maintenance)]).toEqual([
    [false, false, false],
    [false, false, false],
  ]);
  const revision = rig.state.revisionOf('ws2');
  await rig.fleet.run(markDrain('ws2', { at: rig.clock.now(), by: 'admin', reason: 'BIOS update' }));
  expect(rig.state.revisionOf('ws2')).toBe(revision + 1);
  expect([star().map((s) => s.maintenance), members().map((m) => m.maintenance)]).toEqual([
    [false, true, false],
    [false, true, false],
  ]);
  // Her own session there is still listed (reconnect), under the server and the pool.
  expect(
    listOf(rig, 'alice')
      .pools[0].sessions.map((s: { id: string }) => s.id)
      .sort(),
  ).toEqual(['a1', 'a2']);
  expect(adminServersView(rig.state, OFFLINE_AFTER).map((s) => [s.id, s.maintenance])).toEqual([
    ['ws1', null],
    ['ws2', { since: new Date(rig.clock.now()).toISOString(), by: 'admin', reason: 'BIOS update' }],
    ['ws3', null],
  ]);
  await rig.fleet.run(markDrain('ws2', null));
  expect(star().map((s) => s.maintenance)).toEqual([false, false, false]);
  expect(members().map((m) => m.maintenance)).toEqual([false, false, false]);
});

test("ok: a pool's members kept from one list to the next are never another fleet's or an older state's", async () => {
  // One policy (one pool definition, the key the members are kept under) over two fleets.
  const first = await fleet();
  const second = fleetHarness({ kind: 'sqlite' });
  await second.registerAgent('g7', 'ws7');
  await second.report('g7', 'ws7', [{ id: 'x7', owner: 'xavier' }]);
  const members = (rig: { state: typeof first.state }) =>
    (JSON.parse(userServersJson(rig.state, policy, 'alice', [], OFFLINE_AFTER)).pools[0].members as { id: string; sessionCount: number }[]).map((m) => [m.id, m.sessionCount]);
  const before = userServersJson(first.state, policy, 'alice', [], OFFLINE_AFTER);
  expect(userServersJson(first.state, policy, 'alice', [], OFFLINE_AFTER)).toEqual(before);
  expect(members(second)).toEqual([['ws7', 1]]);
  expect(members(first)).toEqual([
    ['ws1', 1],
    ['ws2', 2],
    ['ws3', 0],
  ]);
  await first.report('g3', 'ws3', [{ id: 'd3', owner: 'dave' }]);
  expect(members(first)).toEqual([
    ['ws1', 1],
    ['ws2', 2],
    ['ws3', 1],
  ]);
});
