import type { Registry } from 'prom-client';
import addHeapSize from 'prom-client/lib/metrics/heapSizeAndUsed.js';
import addMaxFds from 'prom-client/lib/metrics/processMaxFileDescriptors.js';
import addOpenFds from 'prom-client/lib/metrics/processOpenFileDescriptors.js';
import addCpu from 'prom-client/lib/metrics/processCpuTotal.js';
import addMemory from 'prom-client/lib/metrics/osMemoryHeap.js';
import addStartTime from 'prom-client/lib/metrics/processStartTime.js';

/**
 * The agent's process metrics: prom-client's own collectors for CPU, resident memory, start time,
 * file descriptors and heap, taken one by one. Left out of the full default set: event-loop lag and
 * GC histograms (Bun does not feed them), active handles and heap spaces (mostly zeros on Bun).
 */
export function addProcessMetrics(registry: Registry): void {
  for (const add of [addCpu, addStartTime, addMemory, addOpenFds, addMaxFds, addHeapSize]) add(registry);
}
