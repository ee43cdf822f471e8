import { readFileSync } from 'node:fs';
import type { Subprocess } from 'bun';

/** Clock ticks per second for /proc/<pid>/stat utime/stime (USER_HZ; 100 on every Linux we run on). */
const HZ = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return (utime + stime) / HZ;
}

/** Resident set size and its peak (VmHWM), in MB, from /proc/<pid>/status. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Samples CPU use of a process between start() and stop(): cores used on average (1.0 = one core). */
export class CpuMeter {
  private cpu0 = 0;
  private t0 = 0;
  constructor(private readonly pid: number) {}
  start(): void {
    this.cpu0 = cpuSeconds(this.pid);
    this.t0 = performance.now();
  }
  stop(): { cpuSeconds: number; cores: number } {
    const cpu = cpuSeconds(this.pid) - this.cpu0;
    const wall = (performance.now() - this.t0) / 1000;
    return { cpuSeconds: cpu, cores: wall > 0 ? cpu / wall : 0 };
  }
}

/**
 * A child process whose JSON log lines (stdout and stderr) are watched: callers wait for a `msg`.
 * Only the last lines are kept, so a chatty director under load costs the harness no memory.
 */
export class WatchedProcess {
  private readonly recent: string[] = [];
  private waiters: { test: (rec: Record<string, any>, line: string) => boolean; resolve: (rec: Record<string, any>) => void }[] = [];
  readonly exited: Promise<number>;

  constructor(readonly name: string, readonly proc: Subprocess<'ignore', 'pipe', 'pipe'>) {
    void this.pump(proc.stderr);
    void this.pump(proc.stdout);
    this.exited = proc.exited;
  }

  get pid(): number {
    return this.proc.pid;
  }

  private async pump(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of stream) {
      buf += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (process.env.BENCH_VERBOSE) console.error(`[${this.name}] ${line}`);
        this.recent.push(line);
        if (this.recent.length > 100) this.recent.shift();
        if (this.waiters.length === 0) continue;
        let rec: Record<string, any>;
        try {
          rec = JSON.parse(line);
        } catch {
          continue;
        }
        this.waiters = this.waiters.filter((w) => (w.test(rec, line) ? (w.resolve(rec), false) : true));
      }
    }
  }

  /** Resolves with the next log record (from now on) whose msg is `msg`. */
  next(msg: string, timeoutMs = 30_000): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: timed out waiting for "${msg}"\n${this.recent.slice(-20).join('\n')}`)), timeoutMs);
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name}: exited with ${code} waiting for "${msg}"\n${this.recent.slice(-20).join('\n')}`));
      });
      this.waiters.push({ test: (r) => r.msg === msg, resolve: (r) => (clearTimeout(timer), resolve(r)) });
    });
  }

  tail(n = 20): string {
    return this.recent.slice(-n).join('\n');
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await this.proc.exited;
    clearTimeout(t);
  }
}

/**
 * Runs a load-generator script in its own Bun process (so it never shares a core's event loop with the
 * process it measures). Arguments go in as JSON (argv[2]); the result comes back as the last stdout line.
 */
export async function runLoad<T>(script: string, args: unknown, opts: { timeoutMs?: number } = {}): Promise<T> {
  const proc = Bun.spawn([process.execPath, script, JSON.stringify(args)], { stdin: 'ignore', stdout: 'pipe', stderr: 'inherit' });
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
  const out = await new Response(proc.stdout).text();
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${script} exited with ${code}\n${out.slice(-2000)}`);
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

/** In a load script: the JSON arguments its parent passed. */
export function loadArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** In a load script: hands the result to the parent (last stdout line) and exits. */
export async function reply(result: unknown): Promise<never> {
  await Bun.write(Bun.stdout, JSON.stringify(result) + '\n');
  process.exit(0);
}
