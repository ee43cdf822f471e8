import type { HostRow } from './host-rows.ts';

/** What a set of hosts (a pool, or the whole fleet) holds and can still take. */
export interface Capacity {
  /** Hosts counted, including ones named in the policy but never heard from (counted offline). */
  hosts: number;
  healthy: number;
  unhealthy: number;
  offline: number;
  /** Hosts marked to take no new sessions, whatever their status. */
  draining: number;
  /** Live sessions on these hosts. */
  inUse: number;
  /**
   * Places for new sessions: on each healthy host that is not draining, its cap minus its virtual
   * sessions where a cap is known, else 1 while it holds no session.
   */
  free: number;
  /** Of the hosts counted in `free`, those whose cap is known (the rest count as idle or not). */
  capped: number;
  /** GPU memory summed over the online hosts that report GPUs (an offline host's last figures are old); null when none does. */
  gpu: { count: number; memoryUsedMiB: number; memoryTotalMiB: number } | null;
}

/** Free places on one host (see Capacity.free). */
export function freePlaces(row: HostRow): number {
  if (row.status !== 'healthy' || row.facts.drained) return 0;
  const cap = row.facts.maxVirtualSessions;
  if (cap !== undefined) return Math.max(0, cap - row.virtualSessions);
  return row.sessions === 0 ? 1 : 0;
}

/** Sums hosts into capacity figures; `undefined` stands for a host named but never heard from. */
export function capacityOf(rows: Iterable<HostRow | undefined>): Capacity {
  const sum: Capacity = { hosts: 0, healthy: 0, unhealthy: 0, offline: 0, draining: 0, inUse: 0, free: 0, capped: 0, gpu: null };
  for (const row of rows) {
    sum.hosts++;
    if (!row) {
      sum.offline++;
      continue;
    }
    sum[row.status]++;
    if (row.facts.drained) sum.draining++;
    sum.inUse += row.sessions;
    sum.free += freePlaces(row);
    if (row.status === 'healthy' && !row.facts.drained && row.facts.maxVirtualSessions !== undefined) sum.capped++;
    if (row.status === 'offline') continue;
    for (const gpu of row.facts.gpus) {
      sum.gpu ??= { count: 0, memoryUsedMiB: 0, memoryTotalMiB: 0 };
      sum.gpu.count++;
      sum.gpu.memoryUsedMiB += gpu.memoryUsedMiB;
      sum.gpu.memoryTotalMiB += gpu.memoryTotalMiB;
    }
  }
  return sum;
}
