import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat utime/stime (USER_HZ; 100 on every Linux we run on). */
export const HZ = 100;

/**
 * The fields of /proc/<pid>/stat after "pid (comm) ", so index 0 is the state, 1 the ppid, 11/12
 * utime/stime and 13/14 cutime/cstime (children already reaped). The command name is in
 * parentheses and may contain spaces, hence the split after the last ')'.
 */
export function procStat(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU used on this machine by processes outside this process's tree (other jobs on a shared box), in
 * cores, averaged over the time between start() and stop(). Our tree's CPU includes children already
 * reaped (cutime/cstime), so short-lived child processes count as ours. With `sampleEveryMs` it also
 * samples along the way and keeps the busiest interval in `peak`.
 */
export class ForeignCpu {
  private first: CpuSample | undefined;
  private last: CpuSample | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The highest foreign load over one sampling interval, in cores (the whole window without sampleEveryMs). */
  peak = 0;

  constructor(private readonly opts: { sampleEveryMs?: number } = {}) {}

  start(): void {
    this.first = this.last = cpuSample();
    this.peak = 0;
    if (this.opts.sampleEveryMs) this.timer = setInterval(() => this.sample(), this.opts.sampleEveryMs);
  }

  stop(): number {
    clearInterval(this.timer);
    this.timer = undefined;
    return foreignCores(this.first!, this.sample());
  }

  private sample(): CpuSample {
    const now = cpuSample();
    this.peak = Math.max(this.peak, foreignCores(this.last!, now));
    this.last = now;
    return now;
  }
}

interface CpuSample {
  busy: number;
  ours: number;
  at: number;
}

function foreignCores(then: CpuSample, now: CpuSample): number {
  const seconds = (now.at - then.at) / 1000;
  const foreignTicks = now.busy - then.busy - (now.ours - then.ours);
  return seconds > 0 ? Math.max(0, foreignTicks / HZ / seconds) : 0;
}

function cpuSample(): CpuSample {
  const at = performance.now();
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const busy = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3]! - (cpu[4] ?? 0);
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = procStat(name);
      procs.set(Number(name), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) });
    } catch {
      // The process exited while we looked.
    }
  }
  const mine = (pid: number): boolean => {
    for (let ancestor = pid, hops = 0; ancestor > 1 && hops < 64; hops++) {
      if (ancestor === process.pid) return true;
      ancestor = procs.get(ancestor)?.ppid ?? 0;
    }
    return false;
  };
  let ours = 0;
  for (const [pid, proc] of procs) if (mine(pid)) ours += proc.ticks;
  return { busy, ours, at };
}
