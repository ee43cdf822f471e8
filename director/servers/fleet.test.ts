/**
 * The fleet's rows and this director's memory of them, the same cases on bun:sqlite and on
 * PostgreSQL (a private cluster started here): reports, creates, closes, revocation, late creates and
 * the sweep, with a fake clock.
 */
import { describe, expect, test } from 'bun:test';
import { fleetHarness, freshPostgresDatabases, RULES, sampleCreated, sampleReservation, type FleetBackend } from '../../tests/helpers/fleet-harness.ts';
import { markDrain } from './drain-rows.ts';
import { abandon, close, confirm, orphanAgent, reserve, setPlacementFailure } from './session-rows.ts';

const freshDatabase = freshPostgresDatabases('fleet');

const backends: { name: string; open(): Promise<FleetBackend> }[] = [
  { name: 'bun:sqlite', open: async () => ({ kind: 'sqlite' }) },
  {
    name: 'PostgreSQL',
    async open() {
      return { kind: 'postgres', sql: await freshDatabase() };
    },
  },
];

describe.each(backends)('fleet rows on $name', (backend) => {
  const harness = async () => {
    const rig = fleetHarness(await backend.open());
    await rig.registerAgent('g1', 'ws1');
    return rig;
  };

  test("ok: updates replace a server's sessions; a silent server goes offline", async () => {
    const rig = await harness();
    expect(await rig.report('g1', 'ws1', [{ id: 'a' }, { id: 'b' }])).toMatchObject({ kind: 'accepted' });
    rig.clock.advance(1000);
    await rig.report('g1', 'ws1', [{ id: 'b' }]);
    expect([...rig.state.allSessions()].map((s) => s.id)).toEqual(['b']);
    const server = rig.state.server('ws1')!;
    expect(rig.state.isOnline(server, 90_000)).toBe(true);
    rig.clock.advance(91_000);
    expect(rig.state.isOnline(rig.state.server('ws1')!, 90_000)).toBe(false);
  });

  test("ok: figures (stats, last contact, a session's connections and status) keep the revision and are stored; a new session raises it", async () => {
    const rig = await harness();
    await rig.report('g1', 'ws1', [{ id: 'a' }]);
    const first = rig.state.revisionOf('ws1');
    rig.clock.advance(1000);
    await rig.report('g1', 'ws1', [{ id: 'a' }], { stats: { ...rig.state.server('ws1')!.stats!, load1: 3 } });
    expect(rig.state.revisionOf('ws1')).toBe(first);
    expect(rig.state.server('ws1')!.stats!.load1).toBe(3);
    expect(rig.state.server('ws1')!.lastSeen).toBe(rig.clock.now());
    await rig.report('g1', 'ws1', [{ id: 'a', numOfConnections: 1, status: 'READY', lastDisconnectionTime: '2026-06-01T00:00:00.000Z' }]);
    expect(rig.state.revisionOf('ws1')).toBe(first);
    expect(rig.state.session('a')).toMatchObject({ numOfConnections: 1, status: 'READY', lastDisconnectionTime: '2026-06-01T00:00:00.000Z' });
    const stored = (await rig.store.loadSnapshots(['ws1']))[0]!;
    expect([stored.server.revision, stored.server.stats, stored.sessions[0]]).toEqual([first, rig.state.server('ws1')!.stats, expect.objectContaining({ numOfConnections: 1, status: 'READY' })]);
    await rig.report('g1', 'ws1', [{ id: 'a', numOfConnections: 1, status: 'READY', lastDisconnectionTime: '2026-06-01T00:00:00.000Z' }, { id: 'b' }]);
    expect(rig.state.revisionOf('ws1')).toBe(first + 1);
  });

  test('ok: GPU figures are figures: no new revision, stored beside the tags by every write path; new host facts raise the revision', async () => {
    const rig = await harness();
    const gpus = (used: number) => [{ name: 'NVIDIA A10G', memoryTotalBytes: 24e9, memoryUsedBytes: used, utilizationPercent: 3 }];
    const facts = { tags: ['gpu=a10', 'linux'], host: { osFamily: 'linux', osName: 'Ubuntu' } };
    const stored = async () => (await rig.store.loadSnapshots(['ws1']))[0]!.server;
    await rig.report('g1', 'ws1', [{ id: 'a' }], { ...facts, gpus: gpus(1e9) });
    const first = rig.state.revisionOf('ws1');
    expect(await stored()).toMatchObject({ ...facts, gpus: gpus(1e9), revision: first });
    // Figures only: the quick path (one statement for the batch).
    rig.clock.advance(1000);
    await rig.report('g1', 'ws1', [{ id: 'a' }], { ...facts, gpus: gpus(5e9) });
    expect([rig.state.revisionOf('ws1'), rig.state.server('ws1')!.gpus]).toEqual([first, gpus(5e9)]);
    expect(await stored()).toMatchObject({ ...facts, gpus: gpus(5e9), revision: first });
    // Figures only, in a transaction (the path a report takes when this director's memory is behind).
    rig.clock.advance(1000);
    const seen = { id: 'ws1', lastSeen: rig.clock.now(), stats: rig.state.server('ws1')!.stats, ...facts, gpus: gpus(7e9) };
    await rig.store.transact({ reads: { servers: ['ws1'] }, decide: (plan) => plan.seen(seen) }, rig.clock.now());
    expect(await stored()).toMatchObject({ ...facts, gpus: gpus(7e9), revision: first });
    // An older report's figures do not overwrite newer ones.
    await rig.store.transact({ reads: { servers: ['ws1'] }, decide: (plan) => plan.seen({ ...seen, lastSeen: seen.lastSeen - 500, gpus: gpus(9e9) }) }, rig.clock.now());
    expect((await stored()).gpus).toEqual(gpus(7e9));
    // New host facts are not figures: a new revision, GPUs written with the row.
    rig.clock.advance(1000);
    await rig.report('g1', 'ws1', [{ id: 'a' }], { ...facts, host: { osFamily: 'linux', osName: 'Debian GNU/Linux' }, gpus: gpus(2e9) });
    expect(rig.state.revisionOf('ws1')).toBe(first + 1);
    expect(await stored()).toMatchObject({ host: { osFamily: 'linux', osName: 'Debian GNU/Linux' }, gpus: gpus(2e9), revision: first + 1 });
    // GPUs gone (driver unloaded): none stored.
    rig.clock.advance(1000);
    await rig.report('g1', 'ws1', [{ id: 'a' }], { ...facts, host: { osFamily: 'linux', osName: 'Debian GNU/Linux' } });
    expect([rig.state.server('ws1')!.gpus, (await stored()).gpus]).toEqual([undefined, undefined]);
  });

  test('ok: the quick path keeps what attrs holds beyond figures: console only, the session cap, no load average, the self-check', async () => {
    const rig = await harness();
    const stored = async () => (await rig.store.loadSnapshots(['ws1']))[0]!.server;
    const dcvCheck = { source: 'registry', verifier: 'https://director:8445/v1/user/authtokenverify' };
    const facts = { consoleOnly: true, maxVirtualSessions: 4, loadAverage: false, dcvCheck } as const;
    const kept = { consoleOnly: true, maxVirtualSessions: 4, loadAverage: false, dcvCheck: expect.objectContaining(dcvCheck) };
    await rig.report('g1', 'ws1', [{ id: 'a' }], facts);
    const first = rig.state.revisionOf('ws1');
    expect(await stored()).toMatchObject(kept);
    // The same report again changes nothing but last contact: the quick path writes attrs whole.
    rig.clock.advance(1000);
    await rig.report('g1', 'ws1', [{ id: 'a', numOfConnections: 1 }], facts);
    expect(rig.state.revisionOf('ws1')).toBe(first);
    expect(await stored()).toMatchObject(kept);
  });

  test('ok: a create is reserved, confirmed and kept through an update built before it; its pool survives a reload', async () => {
    const rig = await harness();
    await rig.report('g1', 'ws1', []);
    expect(await rig.fleet.run(reserve(sampleReservation('p1', { pool: 'eng' }), rig.clock.now()))).toBe('reserved');
    expect(rig.state.session('p1')).toBeUndefined();
    const confirmed = await rig.fleet.run(confirm(sampleReservation('p1', { pool: 'eng' }), sampleCreated('p1'), rig.clock.now()));
    expect(confirmed).toMatchObject({ kind: 'confirmed', session: { id: 'p1', state: 'starting', pool: 'eng', origin: 'director' } });
    rig.clock.advance(10);
    await rig.report('g1', 'ws1', []);
    expect(rig.state.session('p1')?.state).toBe('starting');
    rig.clock.advance(10);
    await rig.report('g1', 'ws1', [{ id: 'p1' }]);
    expect(rig.state.session('p1')).toMatchObject({ state: 'running', pool: 'eng', origin: 'director' });
    // What a restart reads back.
    const again = await rig.store.loadAll();
    expect(again.flatMap((snapshot) => snapshot.sessions)).toEqual([expect.objectContaining({ id: 'p1', pool: 'eng', state: 'running', origin: 'director' })]);
    rig.clock.advance(10);
    await rig.report('g1', 'ws1', []);
    expect(rig.state.session('p1')).toBeUndefined();
  });

  test('rejects: a session id taken (any state but closed) cannot be reserved again; a closed one can', async () => {
    const rig = await harness();
    await rig.report('g1', 'ws1', [{ id: 'x' }]);
    expect(await rig.fleet.run(reserve(sampleReservation('x'), rig.clock.now()))).toBe('taken');
    expect(await rig.fleet.run(reserve(sampleReservation('y'), rig.clock.now()))).toBe('reserved');
    expect(await rig.fleet.run(reserve(sampleReservation('y'), rig.clock.now()))).toBe('taken');
    await rig.fleet.run(close('x', 'ws1', false, rig.clock.now()));
    expect(await rig.fleet.run(reserve(sampleReservation('x'), rig.clock.now()))).toBe('reserved');
  });

  test('rejects: a closed session does not come back from an update sent before the close; the sweep forgets it later', async () => {
    const rig = await harness();
    await rig.report('g1', 'ws1', [{ id: 'c1' }]);
    await rig.fleet.run(close('c1', 'ws1', false, rig.clock.now()));
    expect(rig.state.session('c1')).toBeUndefined();
    rig.clock.advance(100);
    await rig.report('g1', 'ws1', [{ id: 'c1' }]);
    expect(rig.state.session('c1')).toBeUndefined();
    expect(await rig.fleet.liveSessionsOf('alice')).toEqual([]);
    rig.clock.advance(121_000);
    expect((await rig.fleet.sweep(40_000)).settled).toBe(1);
    await rig.report('g1', 'ws1', [{ id: 'c1' }]);
    expect(rig.state.session('c1')).toMatchObject({ origin: 'agent' });
  });

  test('rejects: a revoked agent: no reservation, no update; its live sessions stay as orphans until closed', async () => {
    const rig = await harness();
    await rig.report('g1', 'ws1', [{ id: 'o1' }]);
    await rig.agents.revoke('g1', rig.clock.now());
    expect(await rig.fleet.run(orphanAgent('g1'))).toBe(1);
    expect(rig.state.server('ws1')).toBeUndefined();
    expect(rig.state.orphanedServer('ws1')?.state).toBe('orphaned');
    expect(rig.state.session('o1')?.orphaned).toBe(true);
    expect(await rig.fleet.run(reserve(sampleReservation('n1'), rig.clock.now()))).toBe('server-gone');
    expect(await rig.report('g1', 'ws1', [])).toEqual({ kind: 'refused', code: 'AGENT_REVOKED' });
    await rig.fleet.run(close('o1', 'ws1', true, rig.clock.now()));
    expect(rig.state.session('o1')).toBeUndefined();
    expect(rig.state.orphanedServer('ws1')).toBeUndefined();
  });

  test('rejects: another agent reporting under a host name held by a registered agent', async () => {
    const rig = await harness();
    await rig.registerAgent('g2', 'ws2');
    await rig.report('g1', 'ws1', [{ id: 's' }]);
    expect(await rig.report('g2', 'ws1', [])).toEqual({ kind: 'refused', code: 'HOSTNAME_TAKEN' });
    expect(rig.state.session('s')?.serverId).toBe('ws1');
  });

  test('ok: a create the director gave up on is adopted when it appears and the owner has no other; closed when they have', async () => {
    const rig = await harness();
    await rig.report('g1', 'ws1', []);
    for (const id of ['late1', 'late2']) await rig.fleet.run(reserve(sampleReservation(id), rig.clock.now()));
    expect(await rig.fleet.run(abandon(sampleReservation('late1'), true, rig.clock.now()))).toEqual({ kind: 'waiting' });
    expect(await rig.fleet.run(abandon(sampleReservation('late2'), false, rig.clock.now()))).toEqual({ kind: 'dropped' });
    rig.clock.advance(5000);
    await rig.report('g1', 'ws1', [{ id: 'late1' }]);
    expect(rig.state.session('late1')).toMatchObject({ state: 'running', origin: 'director' });
    expect(rig.events.map((e) => e.type)).toEqual(['session.adopt']);
    // Again, now that alice has late1: the second late one is closed on its host.
    await rig.fleet.run(reserve(sampleReservation('late3'), rig.clock.now()));
    await rig.fleet.run(abandon(sampleReservation('late3'), true, rig.clock.now()));
    await rig.report('g1', 'ws1', [{ id: 'late1' }, { id: 'late3' }]);
    expect(rig.state.session('late3')).toBeUndefined();
    await Bun.sleep(5);
    expect(rig.closedOnHost).toEqual(['late3']);
    expect(rig.events.at(-1)).toMatchObject({ type: 'session.close', target: 'late3', outcome: 'success' });
  });

  test('ok: the sweep drops sessions of silent servers and never-confirmed ones; a create cut off with its director turns abandoned', async () => {
    const rig = await harness();
    await rig.registerAgent('g2', 'ws2');
    await rig.report('g1', 'ws1', [{ id: 'quiet' }]);
    await rig.report('g2', 'ws2', []);
    await rig.fleet.run(reserve(sampleReservation('unconfirmed', { serverId: 'ws2', guid: 'g2' }), rig.clock.now()));
    await rig.fleet.run(confirm(sampleReservation('unconfirmed', { serverId: 'ws2', guid: 'g2' }), sampleCreated('unconfirmed'), rig.clock.now()));
    await rig.fleet.run(reserve(sampleReservation('cutoff', { serverId: 'ws2', guid: 'g2' }), rig.clock.now()));
    rig.clock.advance(39_000);
    await rig.report('g2', 'ws2', []);
    expect((await rig.fleet.sweep(40_000)).stale).toEqual([]);
    rig.clock.advance(11_000);
    await rig.report('g2', 'ws2', []);
    const swept = await rig.fleet.sweep(40_000);
    expect(swept.stale.sort()).toEqual(['quiet', 'unconfirmed']);
    rig.clock.advance(20_000);
    expect((await rig.fleet.sweep(40_000)).abandoned).toBe(1);
  });

  test('ok: a create failure is a row: its cool-down is read back; a success clears it', async () => {
    const rig = await harness();
    await rig.report('g1', 'ws1', []);
    const failure = { reason: 'DCV_TIMEOUT' as const, message: 'hung', at: rig.clock.now(), until: rig.clock.now() + 300_000 };
    await rig.fleet.run(setPlacementFailure('ws1', failure, RULES, rig.clock.now()));
    expect(rig.state.health(rig.state.server('ws1')!)).toMatchObject({ status: 'unhealthy', reason: 'DCV_TIMEOUT' });
    expect((await rig.store.loadSnapshots(['ws1']))[0]!.server.placementFailure).toEqual(failure);
    await rig.fleet.run(setPlacementFailure('ws1', null, RULES, rig.clock.now()));
    expect(rig.state.health(rig.state.server('ws1')!).status).toBe('healthy');
  });

  test('ok: a drain mark is a row: no reservation there, running sessions stay, updates keep it, a restart reads it; open clears it', async () => {
    const rig = await harness();
    await rig.report('g1', 'ws1', [{ id: 'stays' }]);
    const mark = { at: rig.clock.now(), by: 'admin', reason: 'kernel update' };
    expect(await rig.fleet.run(markDrain('ws1', mark))).toMatchObject({ kind: 'changed', server: { drain: mark } });
    const drainedAt = rig.state.revisionOf('ws1');
    expect(rig.state.server('ws1')!.drain).toEqual(mark);
    expect(await rig.fleet.run(reserve(sampleReservation('new'), rig.clock.now()))).toBe('drained');
    expect(rig.state.session('stays')?.state).toBe('running');
    // Again: nothing written, the first mark kept.
    expect(await rig.fleet.run(markDrain('ws1', { at: rig.clock.now() + 5, by: 'other', reason: null }))).toMatchObject({ kind: 'unchanged', server: { drain: mark } });
    expect(rig.state.revisionOf('ws1')).toBe(drainedAt);
    // An update that writes the row (a new session) keeps the mark.
    rig.clock.advance(1000);
    await rig.report('g1', 'ws1', [{ id: 'stays' }, { id: 'agent-made' }]);
    expect(rig.state.revisionOf('ws1')).toBe(drainedAt + 1);
    expect(rig.state.server('ws1')!.drain).toEqual(mark);
    // What a restart reads back.
    expect((await rig.store.loadAll()).map((snapshot) => [snapshot.server.id, snapshot.server.drain])).toEqual([['ws1', mark]]);
    expect(await rig.fleet.run(markDrain('nope', mark))).toEqual({ kind: 'not-found' });
    expect(await rig.fleet.run(markDrain('ws1', null))).toMatchObject({ kind: 'changed' });
    expect(rig.state.server('ws1')!.drain).toBeUndefined();
    expect((await rig.store.loadSnapshots(['ws1']))[0]!.server.drain).toBeUndefined();
    expect(await rig.fleet.run(reserve(sampleReservation('new'), rig.clock.now()))).toBe('reserved');
    expect(await rig.fleet.run(markDrain('ws1', null))).toMatchObject({ kind: 'unchanged' });
  });

  test('ok: the drain mark belongs to the host name: a new agent taking over a revoked one keeps the host drained', async () => {
    const rig = await harness();
    await rig.report('g1', 'ws1', [{ id: 'o1' }]);
    const mark = { at: rig.clock.now(), by: 'admin', reason: null };
    await rig.fleet.run(markDrain('ws1', mark));
    await rig.agents.revoke('g1', rig.clock.now());
    await rig.fleet.run(orphanAgent('g1'));
    // Orphaned: not placed on anyway, and not drained or opened either.
    expect(await rig.fleet.run(markDrain('ws1', null))).toEqual({ kind: 'not-found' });
    await rig.registerAgent('g2', 'ws1');
    expect(await rig.report('g2', 'ws1', [])).toMatchObject({ kind: 'accepted' });
    expect(rig.state.server('ws1')).toMatchObject({ guid: 'g2', state: 'active', drain: mark });
    expect(await rig.fleet.run(reserve(sampleReservation('n1', { guid: 'g2' }), rig.clock.now()))).toBe('drained');
  });
});
