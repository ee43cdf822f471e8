import { expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import type { AgentClient } from '../agent-client/client.ts';
import { PolicyHolder } from '../policy/holder.ts';
import { SessionService } from '../sessions/service.ts';
import { openDatabase } from '../store/db.ts';
import type { ServerSnapshot, ServerStateStore } from '../store/runtime-stores.ts';
import { createSqliteRuntimeStores } from '../store/sqlite-runtime-stores.ts';
import { RuntimeState } from './runtime-state.ts';
import { RuntimeStateWriter } from './state-writer.ts';

const stats = { hostname: 'x', free_memory: 1e9, total_memory: 2e9, cores: 4, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };
const update = (n: number, sessions: string[] = [], load1 = 0) => ({
  guid: `g${n}`,
  hostname: `ws${n}`,
  address: '127.0.0.1',
  agentPort: 8446,
  stats: { ...stats, load1 },
  tags: [],
  sessions: sessions.map((id) => ({ id, owner: 'alice', type: 'virtual' as const, numOfConnections: 0 })),
});

/** Counts the store calls a writer makes, over the real bun:sqlite store. */
function countingStore(inner: ServerStateStore) {
  const calls: { put: string[]; removed: string[] }[] = [];
  const store: ServerStateStore = {
    loadServers: (ids?: string[]) => inner.loadServers(ids),
    serversWithSessionsOf: (owner: string) => inner.serversWithSessionsOf(owner),
    saveServers: (put: ServerSnapshot[], removed: string[]) => (calls.push({ put: put.map((p) => p.server.id), removed }), inner.saveServers(put, removed)),
  };
  return { store, calls };
}

test('ok: many updates between flushes cost one transaction with one row per changed server; unchanged servers are not written', async () => {
  const clock = new FakeClock(Date.now());
  const state = new RuntimeState(clock);
  const { store, calls } = countingStore(createSqliteRuntimeStores(openDatabase(':memory:')));
  const writer = new RuntimeStateWriter(state, store, clock, silentLogger);
  await writer.load(() => true);
  for (let round = 0; round < 3; round++) for (let index = 0; index < 1000; index++) state.applyUpdate(update(index, [], round));
  await writer.flush();
  expect(calls).toHaveLength(1);
  expect(calls[0]!.put).toHaveLength(1000);
  // Same facts again, a second later: only lastSeen moved, nothing is written.
  clock.advance(1000);
  for (let index = 0; index < 1000; index++) state.applyUpdate(update(index, [], 2));
  await writer.flush();
  expect(calls).toHaveLength(1);
  // One server's load changed and another got a session: two rows, one transaction.
  state.applyUpdate(update(7, [], 9));
  state.addSession({ id: 'new', owner: 'bob', type: 'virtual', numOfConnections: 0, serverId: 'ws8', pool: 'eng' });
  await writer.flush();
  expect(calls[1]!.put.sort()).toEqual(['ws7', 'ws8']);
  // A removed server is deleted.
  state.removeAgent('g7');
  await writer.flush();
  expect(calls[2]).toEqual({ put: [], removed: ['ws7'] });
});

/** A director "restart": a new RuntimeState loaded from the same database. */
async function restarted(path: string, clock: FakeClock, registered: (guid: string) => boolean = () => true) {
  const state = new RuntimeState(clock);
  const writer = new RuntimeStateWriter(state, createSqliteRuntimeStores(openDatabase(path)), clock, silentLogger);
  const loaded = await writer.load(registered);
  return { state, writer, loaded };
}

test('ok: after a restart servers and sessions (pool kept) are back, stale and online until their first update', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'dcvix-sw-')), 'agents.db');
  const clock = new FakeClock(Date.now());
  const before = await restarted(path, clock);
  before.state.applyUpdate(update(1, ['s1']));
  before.state.addSession({ id: 's2', owner: 'bob', type: 'virtual', numOfConnections: 0, serverId: 'ws1', pool: 'eng' });
  before.state.applyUpdate(update(2));
  await before.writer.stop();

  // Down for five minutes: longer than server_offline_after and the session housekeeper's 40 s.
  clock.advance(5 * 60_000);
  const { state, loaded } = await restarted(path, clock, (guid) => guid !== 'g2');
  expect(loaded).toEqual({ servers: 1, sessions: 2, skipped: 1 });
  const ws1 = state.server('ws1')!;
  expect(ws1.stale).toBe(true);
  expect(state.isOnline(ws1, 90_000)).toBe(true);
  expect(state.session('s2')).toMatchObject({ pool: 'eng', owner: 'bob' });
  expect(state.server('ws2')).toBeUndefined();
  clock.advance(39_000);
  expect(state.dropStaleSessions(40_000)).toEqual([]);
  state.applyUpdate(update(1, ['s1', 's2']));
  expect(state.server('ws1')!.stale).toBeUndefined();
  expect(state.session('s2')!.pool).toBe('eng');
  // A stale server no agent ever updates goes offline like any silent one.
  const again = await restarted(path, clock);
  clock.advance(91_000);
  expect(again.state.isOnline(again.state.server('ws1')!, 90_000)).toBe(false);
});

test('ok: a stale pool member answers reconnects but is not chosen for a new session until its agent updates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-sw-'));
  writeFileSync(join(dir, 'users.json'), JSON.stringify({ users: { alice: { pools: ['p'] }, bob: { pools: ['p'] } } }));
  writeFileSync(join(dir, 'pools.json'), JSON.stringify({ pools: { p: { servers: ['ws1'] } } }));
  const policy = new PolicyHolder(dir, silentLogger);
  policy.reload();
  const path = join(dir, 'agents.db');
  const clock = new FakeClock(Date.now());
  const before = await restarted(path, clock);
  before.state.applyUpdate(update(1, ['alice-1']));
  await before.writer.stop();
  const { state } = await restarted(path, clock);
  const created: string[] = [];
  const agents = {
    createSession: async (_s: unknown, req: { sessionId: string; userId: string }) => (
      created.push(req.userId), { session: { id: req.sessionId, owner: req.userId, type: 'virtual', numOfConnections: 0 } }
    ),
  } as unknown as AgentClient;
  const service = new SessionService({
    state,
    policy,
    agents,
    audit: { record: () => {}, list: async () => [] },
    log: silentLogger,
    offlineAfterMs: 90_000,
    clock,
    agentRequestTimeoutMs: 30_000,
    cooldownMs: 300_000,
  });
  const again = await service.createForUser({ user: 'alice', groups: [] }, { poolId: 'p' }, 'virtual');
  expect(again).toMatchObject({ reconnected: true, session: { id: 'alice-1' } });
  await expect(service.createForUser({ user: 'bob', groups: [] }, { poolId: 'p' }, 'virtual')).rejects.toMatchObject({ status: 503, code: 'NO_SERVER_AVAILABLE' });
  state.applyUpdate(update(1, ['alice-1']));
  expect((await service.createForUser({ user: 'bob', groups: [] }, { poolId: 'p' }, 'virtual')).reconnected).toBe(false);
  expect(created).toEqual(['bob']);
});

test('ok: a new session is written at once (persistNow), before any flush interval', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'dcvix-sw-')), 'agents.db');
  const clock = new FakeClock(Date.now());
  const before = await restarted(path, clock);
  before.state.applyUpdate(update(1));
  before.state.addSession({ id: 'fresh', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1', pool: 'p' });
  await before.writer.persistNow('ws1');
  // No stop(): as after kill -9.
  const { state } = await restarted(path, clock);
  expect(state.session('fresh')).toMatchObject({ pool: 'p', confirmed: false });
});

test('ok: orphaned sessions of a revoked agent survive restarts (out of placement) until the last one is closed', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'dcvix-sw-')), 'agents.db');
  const clock = new FakeClock(Date.now());
  const revoked = (guid: string) => guid !== 'g1';
  const before = await restarted(path, clock);
  before.state.applyUpdate(update(1, ['o1', 'o2']));
  before.state.applyUpdate(update(2));
  before.state.orphanAgent('g1');
  await before.writer.stop();

  const after = await restarted(path, clock, revoked);
  expect(after.loaded).toEqual({ servers: 1, sessions: 2, skipped: 0 });
  expect(after.state.sessionsOn('ws1').map((s) => [s.id, s.orphaned])).toEqual([
    ['o1', true],
    ['o2', true],
  ]);
  // Not a server anyone is placed on or sees in the server lists.
  expect([...after.state.serverIds()]).toEqual(['ws2']);
  expect(after.state.server('ws1')).toBeUndefined();
  after.state.removeSession('o1');
  await after.writer.stop();

  const again = await restarted(path, clock, revoked);
  expect(again.state.sessionsOn('ws1').map((s) => s.id)).toEqual(['o2']);
  again.state.removeSession('o2');
  await again.writer.stop();

  // The last orphan closed: the revoked server's row is gone too.
  const last = await restarted(path, clock, revoked);
  expect(last.loaded).toEqual({ servers: 1, sessions: 0, skipped: 0 });
  expect(last.state.orphanedServer('ws1')).toBeUndefined();
});

test('ok: a failed create (markFailed) is written and its cool-down survives a restart; markSucceeded is written too', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'dcvix-sw-')), 'agents.db');
  const clock = new FakeClock(Date.now());
  const before = await restarted(path, clock);
  before.state.applyUpdate(update(1));
  before.state.applyUpdate(update(2));
  await before.writer.flush();
  clock.advance(1000);
  const failedAt = clock.now();
  before.state.markFailed('ws1', 'DCV_TIMEOUT', 'dcv create-session did not finish within 10000 ms', failedAt + 300_000);
  before.state.markFailed('ws2', 'LICENSES_EXHAUSTED', 'All licenses in use', failedAt + 300_000);
  await before.writer.flush();
  before.state.markSucceeded('ws2');
  await before.writer.flush();
  // No stop(): as after kill -9, only what the write-behind already wrote counts.
  clock.advance(60_000);
  const { state } = await restarted(path, clock);
  expect(state.health(state.server('ws1')!)).toEqual({ status: 'unhealthy', reason: 'DCV_TIMEOUT', message: 'dcv create-session did not finish within 10000 ms', since: failedAt });
  expect(state.health(state.server('ws2')!).status).toBe('healthy');
  // The cool-down ends at the time it was given before the restart, and its agent's update does not end it early.
  state.applyUpdate(update(1));
  expect(state.health(state.server('ws1')!).reason).toBe('DCV_TIMEOUT');
  clock.advance(240_000);
  expect(state.health(state.server('ws1')!)).toEqual({ status: 'healthy', since: failedAt + 300_000 });
});
