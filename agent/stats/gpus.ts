/**
 * The host's GPUs for the director's placement, read with `nvidia-smi` on every update. No nvidia-smi
 * at the configured path means no GPUs, silently; one that fails (no driver loaded, a time-out) means
 * no GPUs for that update, logged once when it starts failing and once when it answers again.
 */
import { existsSync } from 'node:fs';
import { HOST_TEXT_MAX, UPDATE_MAX_GPUS, type Gpu } from '../../shared/api/host-facts.ts';
import { ApiError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { SpawnDcvRunner, type DcvRunner } from '../dcv/runner.ts';

/** What is asked: one CSV line per GPU, memory in MiB, utilisation in percent. */
export const NVIDIA_SMI_ARGS = ['--query-gpu=name,memory.total,memory.used,utilization.gpu', '--format=csv,noheader,nounits'];
/** nvidia-smi may take a second or two with persistence mode off; more than this and the update goes without GPUs. */
const NVIDIA_SMI_TIMEOUT_MS = 5_000;
const MIB = 1024 * 1024;

/** A figure nvidia-smi printed: a number, or undefined for `[N/A]`, `[Not Supported]` and the like. */
function figure(text: string | undefined): number | undefined {
  const trimmed = text?.trim() ?? '';
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

/**
 * Parses nvidia-smi's CSV (no header, no units): `name, memory.total, memory.used, utilization.gpu`
 * per line. The name is everything before the last three fields, so a comma in it does no harm. A line
 * without both memory figures is left out; a missing utilisation is left out of that GPU.
 */
export function parseNvidiaSmi(text: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(',');
    if (fields.length < 4) continue;
    const [total, used, utilization] = fields.slice(-3).map(figure);
    const name = fields
      .slice(0, -3)
      .join(',')
      .trim()
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .slice(0, HOST_TEXT_MAX);
    if (!name || total === undefined || used === undefined) continue;
    gpus.push({ name, memoryTotalBytes: total * MIB, memoryUsedBytes: used * MIB, ...(utilization !== undefined ? { utilizationPercent: Math.min(100, utilization) } : {}) });
    if (gpus.length === UPDATE_MAX_GPUS) break;
  }
  return gpus;
}

/** Reads the GPUs through nvidia-smi at `path` ('' = never look). */
export class GpuReader {
  private failing: string | undefined;
  private readonly runner: DcvRunner;

  constructor(
    private readonly path: string,
    private readonly log: Logger,
    runner?: DcvRunner,
  ) {
    this.runner = runner ?? new SpawnDcvRunner({ binary: path, timeoutMs: NVIDIA_SMI_TIMEOUT_MS, maxOutputBytes: 64 * 1024 });
  }

  /** The GPUs now; [] when there is no nvidia-smi or it fails. Never throws. */
  async read(): Promise<Gpu[]> {
    // Looked for on every update: a driver installed later is picked up without a restart.
    if (!this.path || !existsSync(this.path)) return [];
    let problem: string | undefined;
    let gpus: Gpu[] = [];
    try {
      const result = await this.runner.run(NVIDIA_SMI_ARGS);
      if (result.code === 0) gpus = parseNvidiaSmi(result.stdout);
      else problem = `exit ${result.code}: ${(result.stderr || result.stdout).trim().slice(0, 200)}`;
    } catch (err) {
      // The runner is the one dcv runs through: its words name dcv, these name nvidia-smi.
      if (err instanceof ApiError && err.code === 'DCV_TIMEOUT') problem = `no answer within ${NVIDIA_SMI_TIMEOUT_MS} ms`;
      else problem = (err as Error).message.replace(/^dcv binary/, 'nvidia-smi');
    }
    if (problem && !this.failing) this.log.warn('nvidia-smi failed; reporting no GPUs until it answers', { path: this.path, problem });
    if (!problem && this.failing) this.log.info('nvidia-smi answers again', { path: this.path, gpus: gpus.length });
    this.failing = problem;
    return gpus;
  }
}
