import type { ServerEntry } from '../servers/records.ts';

/** One GPU's memory as its agent reports it, in MiB. */
interface GpuMemory {
  memoryTotalMiB: number;
  memoryUsedMiB: number;
}

const MIB = 1024 * 1024;
/** Agents report GPU memory in bytes; the overview counts whole MiB, as nvidia-smi shows them. */
const toMiB = (bytes: number) => Math.round(bytes / MIB);

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
 * everything else (pool capacity, the attention list, the API) works from this function's answer:
 * the admin's drain mark, the agent's max_virtual_sessions and the GPUs its agent reports.
 */
export function hostFacts(server: ServerEntry): HostFacts {
  return {
    drained: server.drain !== undefined,
    ...(server.maxVirtualSessions !== undefined ? { maxVirtualSessions: server.maxVirtualSessions } : {}),
    gpus: (server.gpus ?? []).map((gpu) => ({ memoryTotalMiB: toMiB(gpu.memoryTotalBytes), memoryUsedMiB: toMiB(gpu.memoryUsedBytes) })),
  };
}
