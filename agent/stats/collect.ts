/**
 * System statistics for the director's placement: memory from /proc/meminfo, CPU usage from /proc/stat
 * deltas between samples, load averages from os.loadavg(). Falls back to node:os when /proc is missing
 * (macOS development machines, Windows), so stats reporting never fails. On Windows /proc is never read
 * (under wine it would be the Linux host's): CPU use comes from os.cpus() time deltas, and the load
 * averages, which Windows does not have, are 0 (the update says so: see platform-facts.ts).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { AgentStats } from '../../shared/api/agent-wire.ts';

/** Memory in bytes. */
export interface MemInfo {
  totalBytes: number;
  availableBytes: number;
}

/** Cumulative CPU time counters (any unit, only deltas matter). */
export interface CpuTimes {
  idle: number;
  total: number;
}

/**
 * Parses /proc/meminfo. Uses MemAvailable; kernels before 3.14 lack it, so then MemFree + Buffers +
 * Cached is the estimate. Returns undefined if MemTotal is missing.
 */
export function parseMeminfo(text: string): MemInfo | undefined {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (match) kb.set(match[1]!, Number(match[2]));
  }
  const total = kb.get('MemTotal');
  if (total === undefined) return undefined;
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return { totalBytes: total * 1024, availableBytes: Math.min(available, total) * 1024 };
}

/**
 * Parses the aggregate `cpu ` line of /proc/stat. Idle time is idle + iowait; guest and guest_nice are
 * already counted inside user and nice, so they are left out of the total.
 */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return undefined;
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { idle, total: fields.reduce((a, b) => a + b, 0) };
}

/** Busy percentage between two samples, 0-100 with two decimals; 0 when no time passed. */
export function cpuPercent(prev: CpuTimes, next: CpuTimes): number {
  const total = next.total - prev.total;
  const idle = next.idle - prev.idle;
  if (total <= 0) return 0;
  const pct = ((total - idle) / total) * 100;
  return Math.round(Math.min(100, Math.max(0, pct)) * 100) / 100;
}

/** Where samples come from; injectable so tests feed fixture text. */
export interface StatsSource {
  readFile(path: string): string | undefined;
  sleep(ms: number): Promise<void>;
  /** Per-CPU time counters (default os.cpus()). */
  cpus?: () => Pick<os.CpuInfo, 'times'>[];
}

const realSource: StatsSource = {
  readFile: (path) => {
    if (process.platform === 'win32') return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch {
      // Not there on this system (no /proc): the figure it would give is left out.
      return undefined;
    }
  },
  sleep: (ms) => Bun.sleep(ms),
};

/** CPU times from /proc/stat, or summed over os.cpus() where /proc is not available. */
function readCpuTimes(src: StatsSource): CpuTimes {
  const parsed = parseProcStat(src.readFile('/proc/stat') ?? '');
  if (parsed) return parsed;
  let idle = 0;
  let total = 0;
  for (const { times } of (src.cpus ?? os.cpus)()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/**
 * Keeps the previous CPU sample so each call reports usage since the last one. The first call has no
 * previous sample and takes a short one (firstSampleMs, default 100 ms).
 */
export class CpuSampler {
  private prev: CpuTimes | undefined;

  constructor(
    private readonly src: StatsSource = realSource,
    private readonly firstSampleMs = 100,
  ) {}

  /** CPU busy percentage since the previous call. */
  async sample(): Promise<number> {
    if (!this.prev) {
      this.prev = readCpuTimes(this.src);
      await this.src.sleep(this.firstSampleMs);
    }
    const next = readCpuTimes(this.src);
    const pct = cpuPercent(this.prev, next);
    this.prev = next;
    return pct;
  }
}

/** Collects one AgentStats snapshot. */
export async function collectStats(sampler: CpuSampler, src: StatsSource = realSource): Promise<AgentStats> {
  const mem = parseMeminfo(src.readFile('/proc/meminfo') ?? '') ?? { totalBytes: os.totalmem(), availableBytes: os.freemem() };
  const [load1 = 0, load5 = 0, load15 = 0] = os.loadavg();
  return {
    hostname: os.hostname(),
    free_memory: mem.availableBytes,
    total_memory: mem.totalBytes,
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    cpu_usage: await sampler.sample(),
    load1,
    load5,
    load15,
  };
}
