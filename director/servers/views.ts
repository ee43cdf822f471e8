import { entitlements, mayUseServer, poolMembers } from '../policy/evaluate.ts';
import type { Policy } from '../policy/schema.ts';
import { healthView } from './health.ts';
import type { RuntimeState, ServerEntry, SessionEntry } from './runtime-state.ts';

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
    servers.push({
      id: server.id,
      online: state.isOnline(server, offlineAfterMs),
      stale: state.isStale(server),
      health: healthView(state.health(server)),
      tags: server.tags,
      stats: server.stats,
      lastSeen: new Date(server.lastSeen).toISOString(),
      sessions: mine(server.id),
    });
  }
  // Servers named in the policy but never heard from are shown offline, so users know they exist.
  if (!entitled.allServers) {
    for (const id of entitled.servers) if (!state.server(id)) servers.push({ id, online: false, stale: false, health: null, tags: [], stats: null, lastSeen: null, sessions: [] });
  }
  servers.sort((a, b) => a.id.localeCompare(b.id));
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
  return { id, online: state.isOnline(server, offlineAfterMs), stale: state.isStale(server), health: healthView(state.health(server)), sessionCount: state.sessionsOn(id).length };
}

/** GET /v1/servers (admin): every known server with its sessions. */
export function adminServersView(state: RuntimeState, offlineAfterMs: number, managed: (s: SessionEntry) => boolean = () => true) {
  return [...state.allServers()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((s) => ({
      id: s.id,
      guid: s.guid,
      online: state.isOnline(s, offlineAfterMs),
      stale: state.isStale(s),
      address: s.address,
      agentPort: s.agentPort,
      tags: s.tags,
      stats: s.stats,
      lastSeen: new Date(s.lastSeen).toISOString(),
      version: s.version,
      health: healthView(state.health(s)),
      dcvError: s.dcvError,
      dcvTimeoutMs: s.dcvTimeoutMs,
      sessions: state.sessionsOn(s.id).map((x) => adminSessionView(x, managed)),
    }));
}
