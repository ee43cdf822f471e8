import { entitlements, mayUseServer, poolMembers } from '../policy/evaluate.ts';
import type { Policy } from '../policy/schema.ts';
import type { RuntimeState, ServerEntry, SessionEntry } from './runtime-state.ts';

/** A session as the API shows it. */
export function sessionView(s: SessionEntry) {
  return {
    id: s.id,
    serverId: s.serverId,
    owner: s.owner,
    type: s.type,
    status: s.status ?? null,
    numOfConnections: s.numOfConnections,
    creationTime: s.creationTime ?? null,
    lastDisconnectionTime: s.lastDisconnectionTime ?? null,
    pool: s.pool ?? null,
  };
}

/** GET /v1/user/servers: the servers and pools this user may use, live state, and their own sessions. */
export function userServersView(state: RuntimeState, policy: Policy, user: string, groups: readonly string[], offlineAfterMs: number) {
  const e = entitlements(policy, user, groups);
  const own = state.sessionsOf(user);
  const mine = (serverId: string) => own.filter((s) => s.serverId === serverId).map(sessionView);
  const servers = [];
  for (const s of state.allServers()) {
    if (!mayUseServer(e, s.id)) continue;
    servers.push({ id: s.id, online: state.isOnline(s, offlineAfterMs), stale: s.stale === true, tags: s.tags, stats: s.stats, lastSeen: new Date(s.lastSeen).toISOString(), sessions: mine(s.id) });
  }
  // Servers named in the policy but never heard from are shown offline, so users know they exist.
  if (!e.allServers) {
    for (const id of e.servers) if (!state.server(id)) servers.push({ id, online: false, stale: false, tags: [], stats: null, lastSeen: null, sessions: [] });
  }
  servers.sort((a, b) => a.id.localeCompare(b.id));
  const pools = [...e.pools].sort().map((id) => {
    const members = poolMembers(policy, id, state.serverIds());
    const memberSet = new Set(members);
    const live = members.map((m) => state.server(m)).filter((s): s is ServerEntry => !!s && state.isOnline(s, offlineAfterMs));
    return {
      id,
      description: policy.pools.get(id)?.description ?? '',
      members: members.length,
      online: live.length,
      sessions: state.sessionsOf(user).filter((s) => memberSet.has(s.serverId)).map(sessionView),
    };
  });
  return { servers, pools };
}

/** GET /v1/servers (admin): every known server with its sessions. */
export function adminServersView(state: RuntimeState, offlineAfterMs: number) {
  return [...state.allServers()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((s) => ({
      id: s.id,
      guid: s.guid,
      online: state.isOnline(s, offlineAfterMs),
      stale: s.stale === true,
      address: s.address,
      agentPort: s.agentPort,
      tags: s.tags,
      stats: s.stats,
      lastSeen: new Date(s.lastSeen).toISOString(),
      version: s.version,
      dcvError: s.dcvError,
      sessions: state.sessionsOn(s.id).map(sessionView),
    }));
}
