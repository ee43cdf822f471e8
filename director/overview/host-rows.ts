import type { AgentStats } from '../../shared/api/agent-wire.ts';
import type { ServerHealth } from '../servers/health.ts';
import type { RuntimeState, ServerEntry } from '../servers/runtime-state.ts';
import { hostFacts, type HostFacts } from './host-facts.ts';

/**
 * offline: no update for server_offline_after (or never heard from); unhealthy: online, but its
 * health says unhealthy; healthy: online and healthy. Every host is exactly one of these; draining
 * is told apart by its facts, whatever its status.
 */
type HostStatus = 'healthy' | 'unhealthy' | 'offline';

/** One host as the overview counts it: status, sessions and capacity facts. */
export interface HostRow {
  id: string;
  status: HostStatus;
  health: ServerHealth;
  /** Not updated since this director started (known only from the stored state). */
  stale: boolean;
  lastSeen: number;
  stats: AgentStats | null;
  /** Live sessions on the host, console and virtual. */
  sessions: number;
  /** Live virtual sessions (what a session cap counts); only worked out when a cap is known. */
  virtualSessions: number;
  facts: HostFacts;
}

/** A host of the runtime state as the overview counts it, now. */
function hostRow(state: RuntimeState, server: ServerEntry, offlineAfterMs: number): HostRow {
  const health = state.health(server);
  const online = state.isOnline(server, offlineAfterMs);
  const facts = hostFacts(server);
  const sessions = state.sessionCountOn(server.id);
  const virtualSessions = facts.maxVirtualSessions === undefined ? 0 : state.sessionsOn(server.id).filter((session) => session.type === 'virtual').length;
  return {
    id: server.id,
    status: !online ? 'offline' : health.status,
    health,
    stale: state.isStale(server),
    lastSeen: server.lastSeen,
    stats: server.stats,
    sessions,
    virtualSessions,
    facts,
  };
}

/** Every active host of the runtime state, by id. */
export function hostRows(state: RuntimeState, offlineAfterMs: number): Map<string, HostRow> {
  const rows = new Map<string, HostRow>();
  for (const server of state.allServers()) rows.set(server.id, hostRow(state, server, offlineAfterMs));
  return rows;
}
