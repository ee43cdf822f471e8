import { describe, expect, test } from 'bun:test';
import { CpuSampler, collectStats, cpuPercent, parseMeminfo, parseProcStat, type StatsSource } from './collect.ts';

const MEMINFO = `MemTotal:       16318480 kB
MemFree:         1180252 kB
MemAvailable:    9876544 kB
Buffers:          402120 kB
Cached:          7421872 kB
Active(anon):    3034012 kB
HugePages_Total:       0
`;
const OLD_KERNEL_MEMINFO = 'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n';

// user nice system idle iowait irq softirq steal guest guest_nice
const STAT_A = `cpu  1000 0 500 8000 500 0 0 0 0 0
cpu0 500 0 250 4000 250 0 0 0 0 0
intr 12345
`;
const STAT_B = `cpu  1600 0 800 8400 600 0 0 0 0 0
cpu0 800 0 400 4200 300 0 0 0 0 0
`;

describe('parseMeminfo', () => {
  test('ok: MemAvailable in bytes', () => {
    expect(parseMeminfo(MEMINFO)).toEqual({ totalBytes: 16318480 * 1024, availableBytes: 9876544 * 1024 });
  });
  test('ok: estimate from MemFree+Buffers+Cached on kernels without MemAvailable', () => {
    expect(parseMeminfo(OLD_KERNEL_MEMINFO)).toEqual({ totalBytes: 1000 * 1024, availableBytes: 400 * 1024 });
  });
  test('rejects: text without MemTotal', () => {
    expect(parseMeminfo('')).toBeUndefined();
    expect(parseMeminfo('MemFree: 5 kB')).toBeUndefined();
  });
});

describe('parseProcStat / cpuPercent', () => {
  test('ok: aggregate cpu line, iowait counted as idle, guest not double counted', () => {
    expect(parseProcStat(STAT_A)).toEqual({ idle: 8500, total: 10000 });
    expect(parseProcStat('cpu  10 0 10 80 0 0 0 0 5 5\n')).toEqual({ idle: 80, total: 100 });
  });
  test('ok: percentage from deltas', () => {
    const first = parseProcStat(STAT_A)!;
    const second = parseProcStat(STAT_B)!;
    // delta total 1400, delta idle 500 -> 900/1400 busy
    expect(cpuPercent(first, second)).toBe(64.29);
    expect(cpuPercent(first, first)).toBe(0);
    expect(cpuPercent(second, first)).toBe(0);
  });
  test('rejects: missing or malformed cpu line', () => {
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeUndefined();
    expect(parseProcStat('cpu  a b c d\n')).toBeUndefined();
    expect(parseProcStat('cpu  1 2\n')).toBeUndefined();
  });
});

function fakeSource(stats: string[], meminfo = MEMINFO): StatsSource & { slept: number[] } {
  const slept: number[] = [];
  return {
    slept,
    readFile: (p) => (p === '/proc/meminfo' ? meminfo : p === '/proc/stat' ? stats.shift() : undefined),
    sleep: async (ms) => void slept.push(ms),
  };
}

describe('CpuSampler / collectStats', () => {
  test('ok: first sample waits briefly, later ones use the previous sample', async () => {
    const src = fakeSource([STAT_A, STAT_B, 'cpu  1600 0 800 9400 600 0 0 0 0 0\n']);
    const sampler = new CpuSampler(src, 100);
    expect(await sampler.sample()).toBe(64.29);
    expect(src.slept).toEqual([100]);
    expect(await sampler.sample()).toBe(0);
    expect(src.slept).toEqual([100]);
  });

  test('ok: snapshot has the fields the specification lists, with sane values', async () => {
    const src = fakeSource([STAT_A, STAT_B]);
    const stats = await collectStats(new CpuSampler(src), src);
    expect(Object.keys(stats).sort()).toEqual(['cores', 'cpu_usage', 'free_memory', 'hostname', 'load1', 'load15', 'load5', 'total_memory']);
    expect(stats.total_memory).toBe(16318480 * 1024);
    expect(stats.free_memory).toBe(9876544 * 1024);
    expect(stats.cpu_usage).toBe(64.29);
    expect(stats.cores).toBeGreaterThan(0);
    expect(stats.hostname.length).toBeGreaterThan(0);
  });

  test('ok: falls back to node:os without /proc', async () => {
    const src: StatsSource = { readFile: () => undefined, sleep: async () => {} };
    const stats = await collectStats(new CpuSampler(src, 0), src);
    expect(stats.total_memory).toBeGreaterThan(0);
    expect(stats.cpu_usage).toBeGreaterThanOrEqual(0);
    expect(stats.cpu_usage).toBeLessThanOrEqual(100);
  });

  test('ok: real machine', async () => {
    const stats = await collectStats(new CpuSampler(undefined, 20));
    expect(stats.free_memory).toBeLessThanOrEqual(stats.total_memory);
    expect(stats.load1).toBeGreaterThanOrEqual(0);
  });
});

describe('Windows: no /proc, CPU use from os.cpus() deltas', () => {
  test('ok: CPU use is the busy share of the summed per-core times between two samples', async () => {
    const times = (user: number, idle: number) => ({ times: { user, nice: 0, sys: 0, idle, irq: 0 } });
    const samples = [
      [times(100, 900), times(100, 900)],
      [times(400, 1000), times(250, 1050)],
    ];
    const windows: StatsSource = { readFile: () => undefined, sleep: async () => {}, cpus: () => samples.shift() ?? [] };
    // 450 busy of 700 elapsed: 64.29 %.
    expect(await new CpuSampler(windows, 0).sample()).toBe(64.29);
  });
});
