import type { SessionType } from '../../shared/api/agent-wire.ts';
import { ApiError } from '../../shared/errors.ts';
import { freeGpuMemory } from '../../shared/api/host-facts.ts';
import type { ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import { atVirtualLimit } from './limits.ts';

export interface Candidate {
  server: ServerEntry;
  sessions: SessionEntry[];
  /** Works but is not healthy (MISCONFIGURED_TIMEOUTS): chosen only when no healthy host is left. */
  lastResort?: boolean;
}

/**
 * Pool placement (README "How placement chooses"): among online, not excluded members (those meeting
 * the pool's requirements), skip hosts that already have a console session when a console session is
 * wanted (one per host), and hosts at their max_virtual_sessions or running console sessions only (Windows)
 * when a virtual one is wanted, prefer
 * healthy hosts to last-resort ones, then, when every candidate reports a GPU, the host with the most
 * free GPU memory, then the host with
 * the fewest sessions, then the least busy (busyPerCore), then the most free memory, then the
 * server id (so equal hosts give a stable answer).
 */
export function chooseServer(candidates: Candidate[], type: SessionType): ServerEntry | undefined {
  // A GPU pool (its requirements ask for GPUs, or its hosts all have them): GPU memory is what runs out first.
  const byGpuMemory = candidates.length > 0 && candidates.every((candidate) => !!candidate.server.gpus?.length);
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (type === 'console' && candidate.sessions.some((s) => s.type === 'console')) continue;
    if (type === 'virtual' && (candidate.server.consoleOnly || atVirtualLimit(candidate.server, candidate.sessions))) continue;
    if (!best || better(candidate, best, byGpuMemory)) best = candidate;
  }
  return best?.server;
}

/** One pass instead of a sort: a pool of "*" may hold every server of a large fleet. */
function better(left: Candidate, right: Candidate, byGpuMemory: boolean): boolean {
  const order =
    Number(!!left.lastResort) - Number(!!right.lastResort) ||
    (byGpuMemory ? freeGpuMemory(right.server.gpus) - freeGpuMemory(left.server.gpus) : 0) ||
    left.sessions.length - right.sessions.length ||
    busyPerCore(left.server) - busyPerCore(right.server) ||
    freeMemory(right.server) - freeMemory(left.server) ||
    left.server.id.localeCompare(right.server.id);
  return order < 0;
}

/** 409 CONSOLE_ONLY: a virtual session asked for on a host whose DCV runs console sessions only (Windows). */
export function consoleOnlyRefusal(serverId: string): ApiError {
  return new ApiError(409, 'CONSOLE_ONLY', `${serverId} runs console sessions only (DCV on Windows): ask for a console session`, undefined, undefined, { serverId });
}

/** A session this user already has among the candidates, of the wanted type (reconnect). */
export function existingSession(candidates: Candidate[], user: string, type: SessionType): SessionEntry | undefined {
  for (const candidate of candidates) {
    const own = candidate.sessions.find((x) => x.owner === user && x.type === type);
    if (own) return own;
  }
  return undefined;
}

/**
 * How busy a host is per core, 0 = idle, 1 = every core busy: the 1-minute load per core, or for a host
 * without a load average (Windows, where it reads 0, so every such host would look idle) its CPU use
 * (cpu_usage %, from CPU time deltas) as a fraction. The two agree on a host that is not overloaded;
 * past full use the load keeps rising while CPU use stays at 1, so a saturated Windows host still ranks
 * behind any Linux host that has a core to spare.
 */
export const busyPerCore = (server: Pick<ServerEntry, 'stats' | 'loadAverage'>) => {
  if (!server.stats) return Number.POSITIVE_INFINITY;
  return server.loadAverage === false ? Math.min(100, server.stats.cpu_usage) / 100 : server.stats.load1 / Math.max(1, server.stats.cores);
};
const freeMemory = (s: ServerEntry) => s.stats?.free_memory ?? 0;
