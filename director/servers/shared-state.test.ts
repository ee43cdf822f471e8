/**
 * Two directors' runtime states over one store: what one writes reaches the other (the follower), and
 * the merge rules hold. The change feed here connects the two in-process (PostgreSQL LISTEN/NOTIFY is
 * exercised with real processes in tests/integration/ha-runtime.test.ts).
 */
import { expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { openDatabase } from '../store/db.ts';
import type { ServerStateStore } from '../store/runtime-stores.ts';
import { createSqliteRuntimeStores } from '../store/sqlite-runtime-stores.ts';
import { linkedFeeds } from '../../tests/helpers/linked-feeds.ts';
import { RuntimeState } from './runtime-state.ts';
import { SharedStateFollower } from './shared-state.ts';
import { RuntimeStateWriter } from './state-writer.ts';

const stats = { hostname: 'x', free_memory: 1e9, total_memory: 2e9, cores: 4, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };
const update = (sessions: string[] = [], load1 = 0) => ({
  guid: 'g1',
  hostname: 'ws1',
  address: '127.0.0.1',
  agentPort: 8446,
  stats: { ...stats, load1 },
  tags: [],
  sessions: sessions.map((id) => ({ id, owner: 'alice', type: 'virtual' as const, numOfConnections: 0 })),
});

function directors(clock: FakeClock) {
  const inner = createSqliteRuntimeStores(openDatabase(':memory:'));
  const writes: string[][] = [];
  const store: ServerStateStore = {
    loadServers: (ids) => inner.loadServers(ids),
    serversWithSessionsOf: (owner) => inner.serversWithSessionsOf(owner),
    saveServers: (put, removed) => (writes.push([...put.map((p) => p.server.id), ...removed]), inner.saveServers(put, removed)),
  };
  const feeds = linkedFeeds(2);
  const [directorA, directorB] = feeds.map((feed) => {
    const state = new RuntimeState(clock);
    const writer = new RuntimeStateWriter(state, store, clock, silentLogger);
    const follower = new SharedStateFollower(writer, store, feed, silentLogger);
    return { state, writer, follower };
  }) as [D, D];
  return { a: directorA, b: directorB, writes, store };
}
type D = { state: RuntimeState; writer: RuntimeStateWriter; follower: SharedStateFollower };

async function ready(clock: FakeClock) {
  const pair = directors(clock);
  for (const director of [pair.a, pair.b]) {
    await director.writer.load(() => true);
    director.follower.start();
  }
  return pair;
}

/** Lets notices travel and their reads finish. */
async function settle(...ds: D[]) {
  for (let attempt = 0; attempt < 3; attempt++) {
    await new Promise((r) => setTimeout(r, 5));
    for (const director of ds) await director.follower.settled();
  }
}

test('ok: a server and a new session written by A are on B at once, online and placeable; B writes nothing back', async () => {
  const clock = new FakeClock(Date.now());
  const { a: directorA, b: directorB, writes } = await ready(clock);
  directorA.state.applyUpdate(update());
  await directorA.writer.flush();
  await settle(directorA, directorB);
  expect(directorB.state.server('ws1')).toMatchObject({ guid: 'g1' });
  expect(directorB.state.server('ws1')!.stale).toBeUndefined();
  expect(directorB.state.isOnline(directorB.state.server('ws1')!, 90_000)).toBe(true);

  directorA.state.addSession({ id: 'new', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1', pool: 'p' });
  await directorA.writer.persistNow('ws1');
  await settle(directorA, directorB);
  expect(directorB.state.session('new')).toMatchObject({ owner: 'alice', pool: 'p', confirmed: false });
  const before = writes.length;
  await directorB.writer.flush();
  expect(writes.length).toBe(before);
});

test("ok: B's newer entry stays, A's just-created session is added, and both end with the same state", async () => {
  const clock = new FakeClock(Date.now());
  const { a: directorA, b: directorB } = await ready(clock);
  directorA.state.applyUpdate(update());
  await directorA.writer.flush();
  await settle(directorA, directorB);
  // The agent's next update reaches B; meanwhile A creates a session from its older view.
  clock.advance(1000);
  directorB.state.applyUpdate(update([], 7));
  directorA.state.addSession({ id: 'made-on-a', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1' });
  await directorA.writer.persistNow('ws1');
  await settle(directorA, directorB);
  expect(directorB.state.server('ws1')!.stats!.load1).toBe(7);
  expect(directorB.state.session('made-on-a')).toMatchObject({ confirmed: false });
  await directorB.writer.flush();
  await settle(directorA, directorB);
  expect(directorA.state.server('ws1')!.stats!.load1).toBe(7);
  expect(directorA.state.session('made-on-a')).toBeDefined();
});

test('rejects: a session closed through A does not come back from B, and a server removed through A leaves B', async () => {
  const clock = new FakeClock(Date.now());
  const { a: directorA, b: directorB } = await ready(clock);
  directorA.state.applyUpdate(update());
  directorA.state.addSession({ id: 'short', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1' });
  await directorA.writer.persistNow('ws1');
  await settle(directorA, directorB);
  expect(directorB.state.session('short')).toBeDefined();
  directorA.state.removeSession('short');
  await directorA.writer.flush();
  await settle(directorA, directorB);
  expect(directorB.state.session('short')).toBeUndefined();
  await directorB.writer.flush();
  await settle(directorA, directorB);
  expect(directorA.state.session('short')).toBeUndefined();

  directorA.state.removeAgent('g1');
  await directorA.writer.flush();
  await settle(directorA, directorB);
  expect(directorB.state.server('ws1')).toBeUndefined();
});

test("ok: refreshOwner (placement, under the user's lock) reads the servers holding the user's sessions", async () => {
  const clock = new FakeClock(Date.now());
  const { a: directorA, b: directorB } = await ready(clock);
  // B hears nothing (no notice): only the explicit re-read brings A's session.
  directorA.writer.onWritten = undefined;
  directorA.state.applyUpdate(update());
  directorA.state.addSession({ id: 'alices', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1' });
  await directorA.writer.persistNow('ws1');
  expect(directorB.state.sessionsOf('alice')).toEqual([]);
  await directorB.follower.refreshOwner('alice', []);
  expect(directorB.state.sessionsOf('alice').map((s) => s.id)).toEqual(['alices']);
});

test("ok: a revoked agent's server with orphaned sessions leaves placement on B too; the orphans follow until closed", async () => {
  const clock = new FakeClock(Date.now());
  const { a: directorA, b: directorB } = await ready(clock);
  directorA.state.applyUpdate(update(['kept']));
  await directorA.writer.flush();
  await settle(directorA, directorB);
  expect(directorB.state.server('ws1')).toBeDefined();
  expect(directorA.state.orphanAgent('g1')).toBe(1);
  await directorA.writer.flush();
  await settle(directorA, directorB);
  expect(directorB.state.server('ws1')).toBeUndefined();
  expect(directorB.state.session('kept')).toMatchObject({ orphaned: true });
  directorA.state.removeSession('kept');
  await directorA.writer.flush();
  await settle(directorA, directorB);
  expect(directorB.state.session('kept')).toBeUndefined();
  expect(directorB.state.orphanedServer('ws1')).toBeUndefined();
});
