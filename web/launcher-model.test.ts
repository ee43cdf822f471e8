import { describe, expect, test } from 'bun:test';
import { assignSessions, favouritesFirst, loadFavourites, matches, saveFavourites } from './launcher-model.ts';
import type { Session, UserServers } from './types.ts';

const session = (id: string, serverId: string, pool: string | null = null): Session => ({
  id,
  serverId,
  owner: 'alice',
  type: 'virtual',
  status: null,
  numOfConnections: 0,
  creationTime: null,
  lastDisconnectionTime: null,
  pool,
});
const server = (id: string, sessions: Session[]) => ({ id, online: true, stale: false, maintenance: false, health: null, tags: [], stats: null, lastSeen: null, sessions });
const pool = (id: string, sessions: Session[]) => ({ id, description: '', members: [], online: 2, sessions });

describe('launcher model', () => {
  test('ok: a session listed under its server and its pool is shown once, under the pool it came from', () => {
    const viaPool = session('a', 'ws01', 'eng');
    const direct = session('b', 'ws01');
    const data: UserServers = { servers: [server('ws01', [viaPool, direct])], pools: [pool('eng', [viaPool, direct]), pool('all', [viaPool, direct])] };
    const view = assignSessions(data);
    expect(view.pools[0]!.shown.map((s) => s.id)).toEqual(['a']);
    expect(view.servers[0]!.shown.map((s) => s.id)).toEqual(['b']);
    expect(view.pools[1]!.shown).toEqual([]);
    const all = [...view.pools, ...view.servers].flatMap((x) => x.shown.map((s) => s.id));
    expect(new Set(all).size).toBe(all.length);
  });

  test('ok: a pool session on a server the user cannot pick directly stays under the pool', () => {
    const extra = session('c', 'ws09');
    expect(assignSessions({ servers: [], pools: [pool('eng', [extra])] }).pools[0]!.shown).toEqual([extra]);
  });

  test('ok: search matches every word against name, description and tags', () => {
    expect(matches('gpu ws0', ['ws01.example.com', '', 'gpu a10'])).toBe(true);
    expect(matches('gpu cad', ['ws01.example.com', 'gpu'])).toBe(false);
    expect(matches('  ', ['x'])).toBe(true);
  });

  test('ok: favourites sort first and survive a reload; broken storage is an empty set', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    saveFavourites(new Set(['server:b']), storage);
    const favs = loadFavourites(storage);
    expect([...favs]).toEqual(['server:b']);
    expect(favouritesFirst([{ id: 'a' }, { id: 'b' }, { id: 'c' }], 'server', favs).map((x) => x.id)).toEqual(['b', 'a', 'c']);
    store.set('dcvix.favourites', '{oops');
    expect(loadFavourites(storage).size).toBe(0);
  });
});
