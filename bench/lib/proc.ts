import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { HZ, procStat } from '../../scripts/lib/cpu.ts';
import { LoggedProcess, type LoggedProcessOptions } from '../../scripts/lib/logged-process.ts';
import { tempDir } from '../../scripts/lib/temp.ts';

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const rest = procStat(pid);
  return (Number(rest[11]) + Number(rest[12])) / HZ;
}

/** Resident set size and its peak (VmHWM), in MB, from /proc/<pid>/status. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * A process's RSS sampled every `everyMs` for `forMs` while it idles: the lowest reading (what it holds
 * once its collector has run, not the garbage of what came before), the first reading from `markMs` on,
 * and the peak, in MB: the kernel's high-water mark (VmHWM) or the highest reading, whichever is higher
 * (pages an allocator hands back with madvise leave VmHWM where it was, below an earlier reading).
 */
export async function settledRss(pid: number, forMs: number, { everyMs = 250, markMs = 2000 } = {}): Promise<{ lowest: number; atMark: number; peak: number }> {
  const started = performance.now();
  let lowest = Number.POSITIVE_INFINITY;
  let highest = 0;
  let atMark: number | undefined;
  for (;;) {
    const { rss } = memoryMb(pid);
    lowest = Math.min(lowest, rss);
    highest = Math.max(highest, rss);
    const elapsed = performance.now() - started;
    if (atMark === undefined && elapsed >= markMs) atMark = rss;
    if (elapsed >= forMs) break;
    await Bun.sleep(everyMs);
  }
  const last = memoryMb(pid);
  return { lowest, atMark: atMark ?? last.rss, peak: Math.max(highest, last.rss, last.peak) };
}

/**
 * How long a process's main thread waited runnable while another task had its CPU (ms, from
 * /proc/<pid>/task/<pid>/schedstat), and how often it was preempted (nonvoluntary context switches).
 * Undefined where the kernel keeps no schedstat. A latency tail from the machine's scheduler, not from
 * the process's own work, shows here.
 */
export function mainThreadWaits(pid: number): { waitMs: number; preempted: number } | undefined {
  try {
    const waitNs = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ')[1]);
    const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
    const preempted = Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1]);
    return Number.isFinite(waitNs) && Number.isFinite(preempted) ? { waitMs: waitNs / 1e6, preempted } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How the benchmarks watch a child's JSON log lines (stdout and stderr): only the last 100 lines are
 * kept, so a chatty director under load costs the harness no memory; BENCH_VERBOSE echoes them.
 */
export const BENCH_LOG: LoggedProcessOptions = { keepLines: 100, verboseEnv: 'BENCH_VERBOSE' };

export function watch(name: string, proc: Subprocess<'ignore', 'pipe', 'pipe'>): LoggedProcess {
  return new LoggedProcess(name, proc, BENCH_LOG);
}

/**
 * Runs a load-generator script in its own Bun process (so it never shares a core's event loop with the
 * process it measures). Arguments go in as JSON (argv[2]); the result comes back as the last stdout line.
 */
export async function runLoad<T>(script: string, args: unknown, opts: { timeoutMs?: number } = {}): Promise<T> {
  const proc = Bun.spawn([process.execPath, script, argvOrFile(JSON.stringify(args))], { stdin: 'ignore', stdout: 'pipe', stderr: 'inherit' });
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
  const out = await new Response(proc.stdout).text();
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${script} exited with ${code}\n${out.slice(-2000)}`);
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

/** Arguments longer than one argv string may be (128 KiB on Linux) go through a temp file, passed as `@path`. */
function argvOrFile(json: string): string {
  if (json.length < 64 * 1024) return json;
  const file = join(tempDir('dcvix-bench-args-'), 'args.json');
  writeFileSync(file, json);
  return `@${file}`;
}

/** In a load script: the JSON arguments its parent passed (inline, or `@path` of a file holding them). */
export function loadArgs<T>(): T {
  const arg = process.argv[2] ?? '{}';
  return JSON.parse(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg) as T;
}

/** In a load script: hands the result to the parent (last stdout line) and exits. */
export async function reply(result: unknown): Promise<never> {
  await Bun.write(Bun.stdout, `${JSON.stringify(result)}\n`);
  process.exit(0);
}
