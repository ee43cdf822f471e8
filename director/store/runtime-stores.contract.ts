import { expect, test } from 'bun:test';
import type { ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import type { RuntimeStores } from './runtime-stores.ts';

const stats = { hostname: 'ws1', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0.5, load5: 0, load15: 0 };

/** A server entry as the runtime state holds it; `extra` stands for fields other features add. */
export const sampleServer = (id: string, extra: Record<string, unknown> = {}): ServerEntry =>
  ({ id, guid: `guid-${id}`, address: '127.0.0.1', agentPort: 8446, stats, tags: ['gpu'], version: '1.0', lastSeen: 1000, dcvError: null, ...extra }) as ServerEntry;

export const sampleSession = (id: string, serverId: string, pool?: string): SessionEntry => ({
  id,
  owner: 'alice',
  type: 'virtual',
  numOfConnections: 1,
  serverId,
  refreshedAt: 1000,
  confirmed: true,
  ...(pool ? { pool } : {}),
});

/**
 * What every RuntimeStores implementation must do; `open` returns a fresh store and `reopen` the same
 * data through a new handle (a restart). The bun:sqlite run is sqlite-runtime-stores.test.ts.
 */
export function runtimeStoresContract(name: string, open: () => Promise<{ store: RuntimeStores; reopen: () => Promise<RuntimeStores> }>) {
  test(`ok: ${name}: servers and their sessions (pool included) come back after a reopen, unknown fields too`, async () => {
    const { store, reopen } = await open();
    await store.saveServers([{ server: sampleServer('ws1', { health: { status: 'healthy' } }), sessions: [sampleSession('s1', 'ws1', 'eng')] }, { server: sampleServer('ws2'), sessions: [] }], []);
    await store.saveServers([{ server: sampleServer('ws2', { tags: ['new'] }), sessions: [] }], []);
    const loaded = (await (await reopen()).loadServers()).sort((a, b) => a.server.id.localeCompare(b.server.id));
    expect(loaded).toEqual([
      { server: sampleServer('ws1', { health: { status: 'healthy' } }), sessions: [sampleSession('s1', 'ws1', 'eng')] },
      { server: sampleServer('ws2', { tags: ['new'] }), sessions: [] },
    ]);
  });

  test(`ok: ${name}: removed servers go, in the same call as puts`, async () => {
    const { store } = await open();
    await store.saveServers([{ server: sampleServer('ws1'), sessions: [] }, { server: sampleServer('ws2'), sessions: [] }], []);
    await store.saveServers([{ server: sampleServer('ws3'), sessions: [] }], ['ws1', 'never-there']);
    expect((await store.loadServers()).map((s) => s.server.id).sort()).toEqual(['ws2', 'ws3']);
  });

  test(`ok: ${name}: servers load by id (unknown ids left out) and by the owner of a session on them`, async () => {
    const { store } = await open();
    await store.saveServers([
      { server: sampleServer('ws1'), sessions: [sampleSession('s1', 'ws1')] },
      { server: sampleServer('ws2'), sessions: [{ ...sampleSession('s2', 'ws2'), owner: 'bob' }, sampleSession('s3', 'ws2', 'eng')] },
      { server: sampleServer('ws3'), sessions: [] },
    ], []);
    expect((await store.loadServers(['ws3', 'ws1', 'nope'])).map((s) => s.server.id).sort()).toEqual(['ws1', 'ws3']);
    expect(await store.loadServers([])).toEqual([]);
    expect((await store.serversWithSessionsOf('alice')).map((s) => s.server.id).sort()).toEqual(['ws1', 'ws2']);
    expect(await store.serversWithSessionsOf('bob')).toEqual([{ server: sampleServer('ws2'), sessions: [{ ...sampleSession('s2', 'ws2'), owner: 'bob' }, sampleSession('s3', 'ws2', 'eng')] }]);
    expect(await store.serversWithSessionsOf('carol')).toEqual([]);
  });

  test(`ok: ${name}: token uses count up atomically and survive a reopen; expired ones are purged`, async () => {
    const { store, reopen } = await open();
    expect(await Promise.all([store.addUse('j1', 5000), store.addUse('j1', 5000), store.addUse('j1', 5000)]).then((n) => n.sort())).toEqual([1, 2, 3]);
    await store.addUse('old', 100);
    const again = await reopen();
    expect(await again.addUse('j1', 5000)).toBe(4);
    expect(await again.purgeExpired(1000)).toBe(1);
    expect(await again.addUse('old', 100)).toBe(1);
  });

  test(`ok: ${name}: throttle entries by opaque key survive a reopen; those older than the window do not load`, async () => {
    const { store, reopen } = await open();
    await store.saveThrottle([{ key: 'u:alice', failures: [100, 200] }, { key: 'a:10.0.0.1|u:bob', failures: [900] }, { key: 'gone', failures: [950] }], []);
    await store.saveThrottle([], ['gone']);
    const again = await reopen();
    expect((await again.loadThrottle(0)).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'a:10.0.0.1|u:bob', failures: [900] },
      { key: 'u:alice', failures: [100, 200] },
    ]);
    expect(await again.loadThrottle(500)).toEqual([{ key: 'a:10.0.0.1|u:bob', failures: [900] }]);
    await again.saveThrottle([{ key: 'u:alice', failures: [1000] }], []);
    expect(await again.loadThrottle(500, ['u:alice', 'gone'])).toEqual([{ key: 'u:alice', failures: [1000] }]);
    expect(await again.loadThrottle(500, [])).toEqual([]);
  });
}
