/**
 * What an agent reports about its host beyond the stats figures, both optional in the update so agents
 * that do not send them (the public Go dcvix agent, older ones) still update: its GPUs (read with
 * `nvidia-smi`, figures that change with every update) and its operating system and CPU (read once at
 * start). Placement requirements read them as Session Manager's server properties.
 */
import { Type, type Static } from '@sinclair/typebox';

/** GPUs one update may carry: the model refuses a longer list whole. */
export const UPDATE_MAX_GPUS = 16;
/** Longest GPU name and host fact (free text: no control characters). */
export const HOST_TEXT_MAX = 128;

const Text = (description: string) => Type.String({ minLength: 1, maxLength: HOST_TEXT_MAX, pattern: '^[^\\u0000-\\u001f\\u007f]*$', description });
const BYTES = Type.Number({ minimum: 0 });

/** One GPU as `nvidia-smi --query-gpu=name,memory.total,memory.used,utilization.gpu` reports it, memory in bytes. */
export const Gpu = Type.Object(
  {
    name: Text('Model name, e.g. NVIDIA A10G'),
    memoryTotalBytes: BYTES,
    memoryUsedBytes: BYTES,
    utilizationPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Absent when the GPU does not report it' })),
  },
  { additionalProperties: true },
);
export type Gpu = Static<typeof Gpu>;

/** The host's operating system and CPU, each field absent when the agent cannot tell. */
export const HostInfo = Type.Object(
  {
    osFamily: Type.Optional(Text('linux, windows, ... (Session Manager: Host.Os.Family)')),
    osName: Type.Optional(Text('Distribution name, e.g. Ubuntu (os-release NAME)')),
    osVersion: Type.Optional(Text('Distribution version, e.g. 22.04 (os-release VERSION_ID)')),
    kernelVersion: Type.Optional(Text('Kernel release, e.g. 6.1.0-18-amd64')),
    architecture: Type.Optional(Text('Machine, e.g. x86_64 or aarch64')),
    cpuModel: Type.Optional(Text('CPU model name')),
  },
  { additionalProperties: true },
);
export type HostInfo = Static<typeof HostInfo>;

/** Free GPU memory of a host (bytes, summed over its GPUs); 0 without GPUs. */
export function freeGpuMemory(gpus: readonly Gpu[] | undefined): number {
  let free = 0;
  for (const gpu of gpus ?? []) free += Math.max(0, gpu.memoryTotalBytes - gpu.memoryUsedBytes);
  return free;
}
