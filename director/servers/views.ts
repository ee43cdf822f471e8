import { entitlements, mayUseServer, poolMembers } from '../policy/evaluate.ts';
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

/** GET /v1/user/servers: the servers and pools this user may use, live state, and their own sessions. */
export function userServersView(state: RuntimeState, policy: Policy, user: string, groups: readonly string[], offlineAfterMs: number, managed: (s: SessionEntry) => boolean = () => true) {
  const entitled = entitlements(policy, user, groups);
  const own = state.sessionsOf(user).filter((s) => !s.orphaned && managed(s));
  const mine = (serverId: string) => own.filter((s) => s.serverId === serverId).map(sessionView);
  const servers = [];
  for (const server of state.allServers()) {
    if (!mayUseServer(entitled, server.id)) continue;
    const view = shownOf(server, state.health(server));
    servers.push({
      id: server.id,
      online: state.isOnline(server, offlineAfterMs),
      stale: state.isStale(server),
      health: view.health,
      tags: server.tags,
      stats: server.stats,
      lastSeen: view.lastSeen,
      sessions: own.length ? mine(server.id) : [],
    });
  }
  // Servers named in the policy but never heard from are shown offline, so users know they exist.
  if (!entitled.allServers) {
    for (const id of entitled.servers) if (!state.server(id)) servers.push({ id, online: false, stale: false, health: null, tags: [], stats: null, lastSeen: null, sessions: [] });
  }
  servers.sort(byId);
  const pools = [...entitled.pools].sort().map((id) => {
    const members = poolMembers(policy, id, state.serverIds());
    const memberSet = new Set(members);
    const memberViews = [...members].sort().map((m) => memberView(state, m, offlineAfterMs));
    return {
      id,
      description: policy.pools.get(id)?.description ?? '',
      members: memberViews,
      online: memberViews.filter((m) => m.online).length,
      sessions: own.filter((s) => memberSet.has(s.serverId)).map(sessionView),
    };
  });
  return { servers, pools };
}

/**
 * A pool member as a user of the pool sees it: its id, whether it is online, whether it is stale (not
 * updated since a director restart: no new sessions there yet), its health (null when the director has
 * never heard from it) and how many sessions it holds (anyone's; no details of others').
 */
function memberView(state: RuntimeState, id: string, offlineAfterMs: number) {
  const server: ServerEntry | undefined = state.server(id);
  if (!server) return { id, online: false, stale: false, health: null, sessionCount: 0 };
  return { id, online: state.isOnline(server, offlineAfterMs), stale: state.isStale(server), health: shownOf(server, state.health(server)).health, sessionCount: state.sessionCountOn(id) };
}

/** GET /v1/servers (admin): every known server with its sessions. */
export function adminServersView(state: RuntimeState, offlineAfterMs: number, managed: (s: SessionEntry) => boolean = () => true) {
  return [...state.allServers()].sort(byId).map((server) => {
    const view = shownOf(server, state.health(server));
    return {
      id: server.id,
      guid: server.guid,
      online: state.isOnline(server, offlineAfterMs),
      stale: state.isStale(server),
      address: server.address,
      agentPort: server.agentPort,
      tags: server.tags,
      stats: server.stats,
      lastSeen: view.lastSeen,
      version: server.version,
      health: view.health,
      dcvError: server.dcvError,
      dcvTimeoutMs: server.dcvTimeoutMs,
      sessions: state.sessionsOn(server.id).map((session) => adminSessionView(session, managed)),
    };
  });
}
