/**
 * Two directors' fleets on one PostgreSQL database, their change feeds linked in-process: they
 * converge by rows and revisions, never by merging. (The same with real processes, HAProxy and agents:
 * tests/integration/ha-drill-*.test.ts.)
 */
import { expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { fleetHarness, freshPostgresDatabases, sampleCreated, sampleReservation } from '../../tests/helpers/fleet-harness.ts';
import { linkedFeeds } from '../../tests/helpers/linked-feeds.ts';
import { markDrain } from './drain-rows.ts';
import { close, confirm, orphanAgent, reserve } from './session-rows.ts';

const freshDatabase = freshPostgresDatabases('pair');

/** Directors A and B on a fresh database, one clock, linked feeds; agent g1 (ws1) registered. */
async function pair() {
  const sql = await freshDatabase();
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const [feedA, feedB] = linkedFeeds(2) as [ReturnType<typeof linkedFeeds>[0], ReturnType<typeof linkedFeeds>[0]];
  const directorA = fleetHarness({ kind: 'postgres', sql }, { clock, feed: feedA });
  const directorB = fleetHarness({ kind: 'postgres', sql }, { clock, feed: feedB });
  directorA.fleet.start();
  directorB.fleet.start();
  await directorA.registerAgent('g1', 'ws1');
  const settled = async () => {
    await Bun.sleep(1);
    await Promise.all([directorA.fleet.settled(), directorB.fleet.settled()]);
  };
  return { directorA, directorB, clock, settled };
}

test('ok: what A writes, B holds after the notice; B finds a session A created before the notice arrives', async () => {
  const { directorA, directorB, settled } = await pair();
  await directorA.report('g1', 'ws1', [{ id: 's1' }]);
  await settled();
  expect(directorB.state.session('s1')).toMatchObject({ serverId: 'ws1', state: 'running' });
  expect(directorB.state.revisionOf('ws1')).toBe(directorA.state.revisionOf('ws1'));
  await directorA.fleet.run(reserve(sampleReservation('s2'), directorA.clock.now()));
  await directorA.fleet.run(confirm(sampleReservation('s2'), sampleCreated('s2'), directorA.clock.now()));
  // Before B hears of it: the verifier and connection routes ask the store.
  expect(directorB.state.session('s2')).toBeUndefined();
  expect(await directorB.fleet.findSession('s2')).toMatchObject({ id: 's2', state: 'starting' });
  await settled();
  expect(directorB.state.session('s2')).toBeDefined();
});

test("ok: a session's figures written through A (no new revision) reach B with the next last-contact notice", async () => {
  const { directorA, directorB, clock, settled } = await pair();
  await directorA.report('g1', 'ws1', [{ id: 'f' }]);
  await settled();
  clock.advance(2000);
  await directorA.report('g1', 'ws1', [{ id: 'f', numOfConnections: 2, status: 'READY' }]);
  await settled();
  expect(directorB.state.revisionOf('ws1')).toBe(directorA.state.revisionOf('ws1'));
  expect(directorB.state.session('f')).toMatchObject({ numOfConnections: 2, status: 'READY' });
  expect(directorB.state.server('ws1')!.lastSeen).toBe(clock.now());
});

test("ok: a server's GPU figures written through A (no new revision) reach B with the next last-contact notice", async () => {
  const { directorA, directorB, clock, settled } = await pair();
  const gpus = (used: number) => [{ name: 'T4', memoryTotalBytes: 16e9, memoryUsedBytes: used }];
  await directorA.report('g1', 'ws1', [], { gpus: gpus(1e9) });
  await settled();
  clock.advance(2000);
  await directorA.report('g1', 'ws1', [], { gpus: gpus(9e9) });
  await settled();
  expect(directorB.state.revisionOf('ws1')).toBe(directorA.state.revisionOf('ws1'));
  expect(directorB.state.server('ws1')!.gpus).toEqual(gpus(9e9));
});

test('rejects: both directors reserving one session id: one gets it, the other is told it is taken', async () => {
  const { directorA, directorB } = await pair();
  await directorA.report('g1', 'ws1', []);
  const answers = await Promise.all([directorA.fleet.run(reserve(sampleReservation('same'), directorA.clock.now())), directorB.fleet.run(reserve(sampleReservation('same'), directorB.clock.now()))]);
  expect(answers.sort()).toEqual(['reserved', 'taken']);
});

test('rejects: a session closed through A is not brought back by an older update arriving at B', async () => {
  const { directorA, directorB, clock, settled } = await pair();
  await directorA.report('g1', 'ws1', [{ id: 'c' }]);
  const before = clock.now();
  clock.advance(50);
  await directorA.fleet.run(close('c', 'ws1', false, clock.now()));
  await directorB.report('g1', 'ws1', [{ id: 'c' }], { at: before });
  await settled();
  expect([directorA.state.session('c'), directorB.state.session('c')]).toEqual([undefined, undefined]);
  expect(await directorB.fleet.liveSessionsOf('alice')).toEqual([]);
});

test('ok: an older picture applied after a newer one changes nothing (revisions order them)', async () => {
  const { directorA, directorB, settled } = await pair();
  await directorA.report('g1', 'ws1', [{ id: 'x' }]);
  await settled();
  const old = (await directorB.store.loadSnapshots(['ws1']))[0]!;
  await directorA.report('g1', 'ws1', [{ id: 'x' }, { id: 'y' }]);
  await settled();
  expect(directorB.state.applySnapshot(old)).toBe(false);
  expect([...directorB.state.allSessions()].map((s) => s.id).sort()).toEqual(['x', 'y']);
});

test('rejects: once a revoke is committed, no director accepts the agent update or reserves on its host; B sees the orphans', async () => {
  const { directorA, directorB, clock, settled } = await pair();
  await directorA.report('g1', 'ws1', [{ id: 'live' }]);
  await settled();
  await directorA.agents.revoke('g1', clock.now());
  await directorA.fleet.run(orphanAgent('g1'));
  // B has not heard yet: the store answers for it.
  expect(await directorB.report('g1', 'ws1', [{ id: 'live' }])).toEqual({ kind: 'refused', code: 'AGENT_REVOKED' });
  expect(await directorB.fleet.run(reserve(sampleReservation('after'), clock.now()))).toBe('server-gone');
  await settled();
  expect(directorB.state.server('ws1')).toBeUndefined();
  expect(directorB.state.session('live')?.orphaned).toBe(true);
});

test('ok: updates of one agent through both directors at once converge on one picture', async () => {
  const { directorA, directorB, clock, settled } = await pair();
  const rounds = Array.from({ length: 20 }, (_, round) => round);
  for (const round of rounds) {
    clock.advance(10);
    const sessions = rounds.filter((n) => n <= round && n % 3 !== 0).map((n) => ({ id: `r${n}` }));
    await Promise.all([directorA.report('g1', 'ws1', sessions), directorB.report('g1', 'ws1', sessions)]);
  }
  await settled();
  const ids = (state: typeof directorA.state) => [...state.allSessions()].map((s) => s.id).sort();
  expect(ids(directorA.state)).toEqual(ids(directorB.state));
  expect(directorA.state.revisionOf('ws1')).toBe(directorB.state.revisionOf('ws1'));
  expect((await directorA.store.loadSnapshots(['ws1']))[0]!.sessions.map((s) => s.id).sort()).toEqual(ids(directorA.state));
});

test("ok: a drain through A holds on B's placement at once (the reservation reads the row), and B's memory has it after the notice; an open through B reaches A", async () => {
  const { directorA, directorB, clock, settled } = await pair();
  await directorA.report('g1', 'ws1', [{ id: 'running' }]);
  await settled();
  await directorA.fleet.run(markDrain('ws1', { at: clock.now(), by: 'admin', reason: 'disk swap' }));
  // Before B hears of it: its reservation is refused by the row it locks.
  expect(await directorB.fleet.run(reserve(sampleReservation('placed-on-b'), clock.now()))).toBe('drained');
  await settled();
  expect(directorB.state.server('ws1')!.drain).toEqual({ at: clock.now(), by: 'admin', reason: 'disk swap' });
  expect(directorB.state.session('running')?.state).toBe('running');
  await directorB.fleet.run(markDrain('ws1', null));
  await settled();
  expect(directorA.state.server('ws1')!.drain).toBeUndefined();
  expect(directorA.state.revisionOf('ws1')).toBe(directorB.state.revisionOf('ws1'));
  expect(await directorA.fleet.run(reserve(sampleReservation('placed-on-a'), clock.now()))).toBe('reserved');
});

test("rejects: two directors reserving a host's last virtual place at once: one gets it, the other is told it is full (max_virtual_sessions counted on the locked rows)", async () => {
  const { directorA, directorB, clock } = await pair();
  await directorA.report('g1', 'ws1', [{ id: 'held' }], { maxVirtualSessions: 2 });
  const answers = await Promise.all([
    directorA.fleet.run(reserve(sampleReservation('from-a', { owner: 'bob' }), clock.now())),
    directorB.fleet.run(reserve(sampleReservation('from-b', { owner: 'carol' }), clock.now())),
  ]);
  expect(answers.sort()).toEqual(['full', 'reserved']);
  // A console session is not counted against it; once a virtual one closes, the place is free again.
  expect(await directorB.fleet.run(reserve(sampleReservation('console', { type: 'console' }), clock.now()))).toBe('reserved');
  await directorA.fleet.run(close('held', 'ws1', false, clock.now()));
  expect(await directorB.fleet.run(reserve(sampleReservation('after-close', { owner: 'dave' }), clock.now()))).toBe('reserved');
});
