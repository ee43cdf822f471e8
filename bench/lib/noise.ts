import { readdirSync, readFileSync } from 'node:fs';

/**
 * Other work on the machine while a part runs: total busy CPU (from /proc/stat) minus the CPU of this
 * harness and its descendants, sampled twice a second. On a shared 2-core box a neighbour's test run
 * moves every figure, so each part reports how busy the rest of the machine was.
 */
export class NoiseMeter {
  private timer: ReturnType<typeof setInterval> | undefined;
  private last: { total: number; idle: number; ours: Map<number, number>; at: number } | undefined;
  private foreignTicks = 0;
  private wallS = 0;
  private peak = 0;

  start(): void {
    this.last = sample();
    this.timer = setInterval(() => this.tick(), 500);
  }

  stop(): { foreignCores: number; foreignPeakCores: number } {
    this.tick();
    clearInterval(this.timer);
    const avg = this.wallS > 0 ? this.foreignTicks / 100 / this.wallS : 0;
    return { foreignCores: Math.round(avg * 100) / 100, foreignPeakCores: Math.round(this.peak * 100) / 100 };
  }

  private tick(): void {
    const now = sample();
    const prev = this.last!;
    const busy = now.total - now.idle - (prev.total - prev.idle);
    let ours = 0;
    // A process new since the last sample started within the interval: all its CPU is ours.
    for (const [pid, cpu] of now.ours) ours += cpu - (prev.ours.get(pid) ?? 0);
    const foreign = Math.max(0, busy - ours);
    const dt = (now.at - prev.at) / 1000;
    if (dt > 0) {
      this.foreignTicks += foreign;
      this.wallS += dt;
      this.peak = Math.max(this.peak, foreign / 100 / dt);
    }
    this.last = now;
  }
}

function sample() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = cpu[3]! + cpu[4]!;
  const procs = new Map<number, { ppid: number; cpu: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(name), { ppid: Number(rest[1]), cpu: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // exited meanwhile
    }
  }
  const ours = new Map<number, number>();
  const isOurs = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === process.pid) return true;
      p = procs.get(p)?.ppid ?? 0;
    }
    return false;
  };
  for (const [pid, p] of procs) if (isOurs(pid)) ours.set(pid, p.cpu);
  return { total, idle, ours, at: performance.now() };
}
