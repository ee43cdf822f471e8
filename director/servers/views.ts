import { entitlements, poolHas } from '../policy/evaluate.ts';
import type { Policy } from '../policy/schema.ts';
import { healthView, type ServerHealth } from './health.ts';
import type { RuntimeState, ServerEntry, SessionEntry } from './runtime-state.ts';

/**
 * Per server entry (entries are replaced, never changed, so an entry is its own version): its last
 * contact as text and its health view, made once instead of on every list. A list over "*" shows
 * thousands of servers; building each one's dates and health anew was most of its cost.
 */
const shown = new WeakMap<ServerEntry, { lastSeen: string; healthKey: string; health: ReturnType<typeof healthView> }>();

function shownOf(server: ServerEntry, health: ServerHealth) {
  const key = `${health.status}|${health.reason ?? ''}|${health.since}|${health.message ?? ''}`;
  let cached = shown.get(server);
  if (!cached) {
    cached = { lastSeen: new Date(server.lastSeen).toISOString(), healthKey: key, health: healthView(health) };
    shown.set(server, cached);
  } else if (cached.healthKey !== key) {
    cached.healthKey = key;
    cached.health = healthView(health);
  }
  return cached;
}

/** Host names compare as plain strings (ASCII): localeCompare cost a microsecond a comparison over thousands. */
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A session as the API shows it. */
export function sessionView(session: SessionEntry) {
  return {
    id: session.id,
    serverId: session.serverId,
    owner: session.owner,
    type: session.type,
    status: session.status ?? null,
    numOfConnections: session.numOfConnections,
    creationTime: session.creationTime ?? null,
    lastDisconnectionTime: session.lastDisconnectionTime ?? null,
    pool: session.pool ?? null,
    ...(session.orphaned ? { orphaned: true as const } : {}),
  };
}

/** A session as admins see it: also flagged `unmanaged` when only an agent vouches for it (sessions/trust.ts). */
export function adminSessionView(s: SessionEntry, managed: (s: SessionEntry) => boolean) {
  return { ...sessionView(s), ...(managed(s) ? {} : { unmanaged: true as const }) };
}

/**
 * A server's part of a user's list while nothing in it changes: its JSON as a user without sessions
 * there sees it, and until when that holds (it goes offline, or a placement cool-down ends). Entries are
 * replaced, never changed, so a new entry (an update, a drain or an open) starts afresh. A list over "*" is then mostly
 * joining these strings: 10,000 servers are listed in a few milliseconds rather than building,
 * copying and serialising 10,000 objects.
 */
interface Fragment {
  json: string;
  online: boolean;
  until: number;
  offlineAfterMs: number;
  sessionCount: number;
}
const userRows = new WeakMap<ServerEntry, Fragment>();
const memberRows = new WeakMap<ServerEntry, Fragment>();

/** Until when the server's online flag and health stay as they are now. */
function validUntil(state: RuntimeState, server: ServerEntry, now: number, offlineAfterMs: number, online: boolean): number {
  const failure = server.placementFailure;
  const healthUntil = failure && now < failure.until ? failure.until : Number.POSITIVE_INFINITY;
  return Math.min(online ? state.onlineUntil(server, offlineAfterMs) + 1 : Number.POSITIVE_INFINITY, healthUntil);
}

function fragmentOf(
  cache: WeakMap<ServerEntry, Fragment>,
  state: RuntimeState,
  server: ServerEntry,
  now: number,
  offlineAfterMs: number,
  sessionCount: number,
  render: (online: boolean) => object,
): Fragment {
  const held = cache.get(server);
  if (held && now < held.until && held.offlineAfterMs === offlineAfterMs && held.sessionCount === sessionCount) return held;
  const online = now <= state.onlineUntil(server, offlineAfterMs);
  const fragment = { json: JSON.stringify(render(online)), online, until: validUntil(state, server, now, offlineAfterMs, online), offlineAfterMs, sessionCount };
  cache.set(server, fragment);
  return fragment;
}

/** A server as a user sees it in their list, with their own sessions there. */
function userServerView(state: RuntimeState, server: ServerEntry, online: boolean, sessions: ReturnType<typeof sessionView>[]) {
  const view = shownOf(server, state.health(server));
  return { id: server.id, online, stale: state.isStale(server), maintenance: !!server.drain, health: view.health, tags: server.tags, stats: server.stats, lastSeen: view.lastSeen, sessions };
}

/**
 * A pool's members as JSON text, kept per pool definition (a policy reload makes new ones) while every
 * member's part reads the same as at the last list. A list over a pool of 10,000 servers then reuses
 * 1.4 MB of text instead of joining it again: its garbage, more than its CPU, made the list's tail,
 * since while the collector marks a large heap it slows the program in proportion to what the program
 * allocates meanwhile. Parts are compared by content, so a member whose entry was replaced by an update
 * that changed nothing a member row shows still matches.
 */
interface PoolRows {
  parts: string[];
  joined: string;
}
const poolRows = new WeakMap<object, PoolRows>();

function membersJson(pool: object | undefined, parts: string[]): string {
  const held = pool ? poolRows.get(pool) : undefined;
  if (held && held.parts.length === parts.length && held.parts.every((part, i) => part === parts[i])) return held.joined;
  const joined = parts.join(',');
  if (pool) poolRows.set(pool, { parts, joined });
  return joined;
}

/**
 * GET /v1/user/servers as JSON text: the servers and pools this user may use, live state, and their
 * own sessions. Lists cost what they show: a user granted two servers is not walked past the fleet.
 */
export function userServersJson(state: RuntimeState, policy: Policy, user: string, groups: readonly string[], offlineAfterMs: number, managed: (s: SessionEntry) => boolean = () => true): string {
  const now = state.now();
  const entitled = entitlements(policy, user, groups);
  const own = state.sessionsOf(user).filter((s) => !s.orphaned && managed(s));
  const ownOn = new Map<string, ReturnType<typeof sessionView>[]>();
  for (const session of own) ownOn.set(session.serverId, [...(ownOn.get(session.serverId) ?? []), sessionView(session)]);

  const servers: string[] = [];
  const ids = entitled.allServers ? state.sortedServerIds() : [...entitled.servers].sort();
  for (const id of ids) {
    const server = state.server(id);
    // Servers named in the policy but never heard from are shown offline, so users know they exist.
    if (!server) servers.push(JSON.stringify({ id, online: false, stale: false, maintenance: false, health: null, tags: [], stats: null, lastSeen: null, sessions: [] }));
    else {
      const mine = ownOn.get(id);
      if (mine) servers.push(JSON.stringify(userServerView(state, server, now <= state.onlineUntil(server, offlineAfterMs), mine)));
      else servers.push(fragmentOf(userRows, state, server, now, offlineAfterMs, 0, (online) => userServerView(state, server, online, [])).json);
    }
  }

  const isKnown = (id: string) => state.server(id) !== undefined;
  const pools = [...entitled.pools].sort().map((id) => {
    const pool = policy.pools.get(id);
    const memberIds = pool?.servers.includes('*') ? state.sortedServerIds() : [...(pool?.servers ?? [])].sort();
    const members: string[] = [];
    let online = 0;
    for (const memberId of memberIds) {
      const server = state.server(memberId);
      if (!server) {
        members.push(JSON.stringify({ id: memberId, online: false, stale: false, maintenance: false, health: null, sessionCount: 0 }));
        continue;
      }
      const row = fragmentOf(memberRows, state, server, now, offlineAfterMs, state.sessionCountOn(memberId), (isOnline) => memberView(state, server, isOnline));
      members.push(row.json);
      if (row.online) online++;
    }
    const sessions = own.filter((s) => poolHas(policy, id, s.serverId, isKnown)).map(sessionView);
    return `{"id":${JSON.stringify(id)},"description":${JSON.stringify(pool?.description ?? '')},"members":[${membersJson(pool, members)}],"online":${online},"sessions":${JSON.stringify(sessions)}}`;
  });
  return `{"servers":[${servers.join(',')}],"pools":[${pools.join(',')}]}`;
}

/**
 * A pool member as a user of the pool sees it: its id, whether it is online, whether it is stale (not
 * updated since a director restart: no new sessions there yet), its health (null when the director has
 * never heard from it) and how many sessions it holds (anyone's; no details of others').
 */
function memberView(state: RuntimeState, server: ServerEntry, online: boolean) {
  return {
    id: server.id,
    online,
    stale: state.isStale(server),
    maintenance: !!server.drain,
    health: shownOf(server, state.health(server)).health,
    sessionCount: state.sessionCountOn(server.id),
  };
}

/** GET /v1/servers (admin): every known server with its sessions. */
export function adminServersView(state: RuntimeState, offlineAfterMs: number, managed: (s: SessionEntry) => boolean = () => true) {
  return [...state.allServers()].sort(byId).map((server) => adminServerView(state, server, offlineAfterMs, managed));
}

/** One server as admins see it: health, drain mark, figures and sessions. */
export function adminServerView(state: RuntimeState, server: ServerEntry, offlineAfterMs: number, managed: (s: SessionEntry) => boolean) {
  const view = shownOf(server, state.health(server));
  const drain = server.drain;
  return {
    id: server.id,
    guid: server.guid,
    online: state.isOnline(server, offlineAfterMs),
    stale: state.isStale(server),
    maintenance: drain ? { since: new Date(drain.at).toISOString(), by: drain.by, reason: drain.reason } : null,
    address: server.address,
    agentPort: server.agentPort,
    tags: server.tags,
    stats: server.stats,
    ...(server.gpus?.length ? { gpus: server.gpus } : {}),
    ...(server.host ? { host: server.host } : {}),
    lastSeen: view.lastSeen,
    version: server.version,
    health: view.health,
    dcvError: server.dcvError,
    dcvTimeoutMs: server.dcvTimeoutMs,
    maxVirtualSessions: server.maxVirtualSessions ?? null,
    ...(server.consoleOnly ? { consoleOnly: true as const } : {}),
    ...(server.dcvCheck ? { dcvCheck: server.dcvCheck } : {}),
    sessions: state.sessionsOn(server.id).map((session) => adminSessionView(session, managed)),
  };
}
