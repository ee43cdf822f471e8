/**
 * Servers and sessions for unit tests, in the shapes the director's memory and store hold them, and a
 * RuntimeState holding them (as if read from the store).
 */
import type { Clock } from '../../shared/clock.ts';
import type { ServerEntry, ServerSnapshot, SessionEntry } from '../../director/servers/records.ts';
import { RuntimeState } from '../../director/servers/runtime-state.ts';

export const sampleStats = { hostname: 'ws1', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0.5, load5: 0, load15: 0 };

export const sampleServer = (id: string, extra: Partial<ServerEntry> = {}): ServerEntry => ({
  id,
  guid: `guid-${id}`,
  revision: 1,
  state: 'active',
  address: '127.0.0.1',
  agentPort: 8446,
  stats: { ...sampleStats, hostname: id },
  tags: [],
  version: null,
  lastSeen: 1000,
  dcvError: null,
  dcvTimeoutMs: null,
  placementFailure: null,
  healthSince: 1000,
  ...extra,
});

export const sampleSession = (id: string, serverId: string, extra: Partial<SessionEntry> = {}): SessionEntry => ({
  id,
  owner: 'alice',
  type: 'virtual',
  numOfConnections: 0,
  serverId,
  state: 'running',
  origin: 'director',
  orphaned: false,
  createdAt: 1000,
  refreshedAt: 1000,
  ...extra,
});

/** A RuntimeState that started at `startedAt` (default: long ago) and holds these pictures. */
export function stateHolding(clock: Clock, snapshots: ServerSnapshot[], startedAt = 0): RuntimeState {
  const state = new RuntimeState(clock, { agentRequestTimeoutMs: 30_000 }, startedAt);
  for (const snapshot of snapshots) state.applySnapshot(snapshot);
  return state;
}
