/**
 * What the launcher shows, worked out from /v1/user/servers without the DOM: each session once,
 * the search filter and favourites first (favourites live in localStorage on this browser).
 */
import type { Session, UserPool, UserServer, UserServers } from './types.ts';

export interface LauncherView {
  pools: (UserPool & { shown: Session[] })[];
  servers: (UserServer & { shown: Session[] })[];
}

/**
 * The director lists a session under its server and under every pool that server belongs to; the
 * launcher shows it once: under the pool it was started from, else under its server, else under the
 * first pool that holds its server.
 */
export function assignSessions(data: UserServers): LauncherView {
  const seen = new Set<string>();
  const take = (list: Session[], keep: (s: Session) => boolean) =>
    list.filter((session) => {
      if (seen.has(session.id) || !keep(session)) return false;
      seen.add(session.id);
      return true;
    });
  const fromPool = new Map(data.pools.map((p) => [p.id, take(p.sessions, (s) => s.pool === p.id)]));
  const servers = data.servers.map((s) => ({ ...s, shown: take(s.sessions, () => true) }));
  const pools = data.pools.map((p) => ({ ...p, shown: [...fromPool.get(p.id)!, ...take(p.sessions, () => true)] }));
  return { pools, servers };
}

/** Lower-case words the search matches against: name, description, tags. */
const haystack = (parts: (string | undefined)[]) => parts.filter(Boolean).join(' ').toLowerCase();

/** Keeps what matches every word of `query` (name, description, tags); an empty query keeps all. */
export function matches(query: string, parts: (string | undefined)[]): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = haystack(parts);
  return words.every((w) => text.includes(w));
}

/** Favourites first, then the director's order. */
export function favouritesFirst<T extends { id: string }>(list: T[], kind: 'pool' | 'server', favs: ReadonlySet<string>): T[] {
  const fav = (x: T) => (favs.has(favouriteKey(kind, x.id)) ? 0 : 1);
  return list
    .map((x, i) => ({ x, i }))
    .sort((a, b) => fav(a.x) - fav(b.x) || a.i - b.i)
    .map(({ x }) => x);
}

/** How a favourite is stored: "pool:eng", "server:ws01". */
export const favouriteKey = (kind: 'pool' | 'server', id: string) => `${kind}:${id}`;

const STORAGE_KEY = 'dcvix.favourites';

/** The favourites kept on this browser (a broken or missing entry is an empty set). */
export function loadFavourites(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Set<string> {
  try {
    const stored: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '[]');
    return new Set(Array.isArray(stored) ? stored.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    // Storage refused (private mode) or a damaged entry: no favourites, as for a new browser.
    return new Set();
  }
}

/** Keeps the favourites on this browser; a full or blocked storage is ignored. */
export function saveFavourites(favs: ReadonlySet<string>, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify([...favs].sort()));
  } catch {
    // Private mode or a full quota: favourites just do not persist.
  }
}
