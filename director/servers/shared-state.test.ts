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
  const [a, b] = feeds.map((feed) => {
    const state = new RuntimeState(clock);
    const writer = new RuntimeStateWriter(state, store, clock, silentLogger);
    const follower = new SharedStateFollower(writer, store, feed, silentLogger);
    return { state, writer, follower };
  }) as [D, D];
  return { a, b, writes, store };
}
type D = { state: RuntimeState; writer: RuntimeStateWriter; follower: SharedStateFollower };

async function ready(clock: FakeClock) {
  const d = directors(clock);
  for (const x of [d.a, d.b]) {
    await x.writer.load(() => true);
    x.follower.start();
  }
  return d;
}

/** Lets notices travel and their reads finish. */
async function settle(...ds: D[]) {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 5));
    for (const d of ds) await d.follower.settled();
  }
}

test('ok: a server and a new session written by A are on B at once, online and placeable; B writes nothing back', async () => {
  const clock = new FakeClock(Date.now());
  const { a, b, writes } = await ready(clock);
  a.state.applyUpdate(update());
  await a.writer.flush();
  await settle(a, b);
  expect(b.state.server('ws1')).toMatchObject({ guid: 'g1' });
  expect(b.state.server('ws1')!.stale).toBeUndefined();
  expect(b.state.isOnline(b.state.server('ws1')!, 90_000)).toBe(true);

  a.state.addSession({ id: 'new', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1', pool: 'p' });
  await a.writer.persistNow('ws1');
  await settle(a, b);
  expect(b.state.session('new')).toMatchObject({ owner: 'alice', pool: 'p', confirmed: false });
  const before = writes.length;
  await b.writer.flush();
  expect(writes.length).toBe(before);
});

test('ok: B\'s newer entry stays, A\'s just-created session is added, and both end with the same state', async () => {
  const clock = new FakeClock(Date.now());
  const { a, b } = await ready(clock);
  a.state.applyUpdate(update());
  await a.writer.flush();
  await settle(a, b);
  // The agent's next update reaches B; meanwhile A creates a session from its older view.
  clock.advance(1000);
  b.state.applyUpdate(update([], 7));
  a.state.addSession({ id: 'made-on-a', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1' });
  await a.writer.persistNow('ws1');
  await settle(a, b);
  expect(b.state.server('ws1')!.stats!.load1).toBe(7);
  expect(b.state.session('made-on-a')).toMatchObject({ confirmed: false });
  await b.writer.flush();
  await settle(a, b);
  expect(a.state.server('ws1')!.stats!.load1).toBe(7);
  expect(a.state.session('made-on-a')).toBeDefined();
});

test('rejects: a session closed through A does not come back from B, and a server removed through A leaves B', async () => {
  const clock = new FakeClock(Date.now());
  const { a, b } = await ready(clock);
  a.state.applyUpdate(update());
  a.state.addSession({ id: 'short', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1' });
  await a.writer.persistNow('ws1');
  await settle(a, b);
  expect(b.state.session('short')).toBeDefined();
  a.state.removeSession('short');
  await a.writer.flush();
  await settle(a, b);
  expect(b.state.session('short')).toBeUndefined();
  await b.writer.flush();
  await settle(a, b);
  expect(a.state.session('short')).toBeUndefined();

  a.state.removeAgent('g1');
  await a.writer.flush();
  await settle(a, b);
  expect(b.state.server('ws1')).toBeUndefined();
});

test('ok: refreshOwner (placement, under the user\'s lock) reads the servers holding the user\'s sessions', async () => {
  const clock = new FakeClock(Date.now());
  const { a, b } = await ready(clock);
  // B hears nothing (no notice): only the explicit re-read brings A's session.
  a.writer.onWritten = undefined;
  a.state.applyUpdate(update());
  a.state.addSession({ id: 'alices', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1' });
  await a.writer.persistNow('ws1');
  expect(b.state.sessionsOf('alice')).toEqual([]);
  await b.follower.refreshOwner('alice', []);
  expect(b.state.sessionsOf('alice').map((s) => s.id)).toEqual(['alices']);
});

test('ok: a revoked agent\'s server with orphaned sessions leaves placement on B too; the orphans follow until closed', async () => {
  const clock = new FakeClock(Date.now());
  const { a, b } = await ready(clock);
  a.state.applyUpdate(update(['kept']));
  await a.writer.flush();
  await settle(a, b);
  expect(b.state.server('ws1')).toBeDefined();
  expect(a.state.orphanAgent('g1')).toBe(1);
  await a.writer.flush();
  await settle(a, b);
  expect(b.state.server('ws1')).toBeUndefined();
  expect(b.state.session('kept')).toMatchObject({ orphaned: true });
  a.state.removeSession('kept');
  await a.writer.flush();
  await settle(a, b);
  expect(b.state.session('kept')).toBeUndefined();
  expect(b.state.orphanedServer('ws1')).toBeUndefined();
});
