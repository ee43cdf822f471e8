import type { ServerEntry } from '../servers/records.ts';

/** One GPU's memory as its agent reports it, in MiB. */
interface GpuMemory {
  memoryTotalMiB: number;
  memoryUsedMiB: number;
}

/** What the overview needs to know about a host's capacity beyond health and sessions. */
export interface HostFacts {
  /** An admin marked it to take no new sessions (its sessions carry on). */
  drained: boolean;
  /** Most virtual sessions the host takes, when its agent says; absent: no cap known. */
  maxVirtualSessions?: number;
  /** Its GPUs, when its agent reports them (empty: none reported). */
  gpus: GpuMemory[];
}

/**
 * The capacity facts of one host: the only place the overview reads them from a server entry, so
 * everything else (pool capacity, the attention list, the API) works from this function's answer.
 * Server entries hold no drain mark, session cap or GPU list yet: those arrive with draining,
 * per-host caps and GPU reporting by the agent, and are read here then. Until then every host is
 * not drained, has no known cap and reports no GPU.
 */
export function hostFacts(_server: ServerEntry): HostFacts {
  return { drained: false, gpus: [] };
}
