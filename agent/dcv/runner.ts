/**
 * Runs the `dcv` binary: always an argv array through Bun.spawn (never a shell), with a timeout and
 * bounded output capture. Behind the DcvRunner interface so tests can substitute a fake.
 */
import { ApiError } from '../../shared/errors.ts';
import { currentRequestId } from '../../shared/http/request-context.ts';
import type { Logger } from '../../shared/log.ts';

/** What one `dcv` invocation produced. A non-zero code is not an error at this layer. */
export interface DcvResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dcv <args...>`. */
export interface DcvRunner {
  run(args: string[]): Promise<DcvResult>;
}

export interface SpawnRunnerOptions {
  /** Path or name of the dcv binary (resolved through PATH by Bun.spawn). */
  binary: string;
  /** Kill dcv and every child it started (its process group) after this long (default 10 s). */
  timeoutMs?: number;
  /** Environment for the child; defaults to the agent's own. */
  env?: Record<string, string | undefined>;
  /** Cap on captured bytes per stream; the rest is drained and dropped (default 4 MiB). */
  maxOutputBytes?: number;
  /** Every command is logged: argv (secret-bearing values masked), exit code, ms, request id. */
  log?: Logger;
}

/** Flags whose value is a secret: the value is masked in logs. */
const SECRET_FLAGS = new Set(['--password', '--auth-token', '--token', '--secret']);

/**
 * argv as it may be logged. A set-config value is the user's and may be anything (the director's
 * audit keeps only section.key for the same reason), so it is masked too.
 */
export function loggableArgv(args: readonly string[]): string[] {
  const lastIsConfigValue = args[0] === 'set-config' && args.length > 1;
  return args.map((arg, i) => ((i > 0 && SECRET_FLAGS.has(args[i - 1]!)) || (lastIsConfigValue && i === args.length - 1) ? '***' : arg));
}

/** The real runner. ENOENT/EACCES -> ApiError 502 DCV_UNAVAILABLE; timeout -> ApiError 504 DCV_TIMEOUT. */
export class SpawnDcvRunner implements DcvRunner {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(private readonly opts: SpawnRunnerOptions) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxBytes = opts.maxOutputBytes ?? 4 * 1024 * 1024;
  }

  async run(args: string[]): Promise<DcvResult> {
    const started = performance.now();
    const logged = (code: number | string) =>
      this.opts.log?.info('dcv command', { argv: loggableArgv(args), exitCode: code, ms: Math.round(performance.now() - started), requestId: currentRequestId() });
    try {
      const result = await this.spawn(args);
      logged(result.code);
      return result;
    } catch (err) {
      logged(err instanceof ApiError ? err.code : 'ERROR');
      throw err;
    }
  }

  private async spawn(args: string[]): Promise<DcvResult> {
    let proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>;
    try {
      proc = Bun.spawn([this.opts.binary, ...args], {
        stdin: 'ignore',
        stdout: 'pipe',
        stderr: 'pipe',
        env: this.opts.env ?? process.env,
        // Its own process group, so a time-out can stop dcv together with every child it started.
        detached: true,
      });
    } catch (err) {
      throw unavailable(this.opts.binary, err);
    }
    const stdout = capture(proc.stdout, this.maxBytes);
    const stderr = capture(proc.stderr, this.maxBytes);
    const stopReading = () => (stdout.stop(), stderr.stop());
    // On time-out the group is killed and the call ends at once, without waiting for the output to
    // close: a child that left the group (a daemon) may keep the pipes open long after.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        killGroup(proc);
        stopReading();
        reject(new ApiError(504, 'DCV_TIMEOUT', `dcv ${args[0] ?? ''} did not finish within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    const finished = proc.exited.then(async (code) => {
      // dcv is done; a child it left running may still hold the pipes, so their end is awaited only briefly.
      await Promise.race([Promise.all([stdout.done, stderr.done]), Bun.sleep(PIPE_GRACE_MS)]);
      stopReading();
      return { code, stdout: stdout.text(), stderr: stderr.text() };
    });
    try {
      return await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** How long the pipes may stay open after dcv exited, for the last of its output to be read. */
const PIPE_GRACE_MS = 500;
/** Between SIGTERM and SIGKILL to a timed-out dcv's process group. */
const KILL_GRACE_MS = 1000;

/**
 * SIGTERM to the whole process group of a timed-out dcv (it and every child that stayed in the group),
 * SIGKILL to what is left of it a moment later. A group that is already gone is not an error. Windows
 * has no process groups to signal: there taskkill ends dcv.exe and the processes it started (/T) at once.
 */
function killGroup(proc: Bun.Subprocess): void {
  if (process.platform === 'win32') {
    killTree(proc);
    return;
  }
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid, name);
    } catch {
      // ESRCH: nobody left in the group.
    }
  };
  signal('SIGTERM');
  setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS).unref();
}

/** taskkill /T /F on dcv's process tree, then dcv itself (should taskkill be missing or fail). */
function killTree(proc: Bun.Subprocess): void {
  try {
    const taskkill = Bun.spawn(['taskkill', '/PID', String(proc.pid), '/T', '/F'], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
    // The tree is found from dcv's pid, so dcv itself is ended only after taskkill walked it.
    void taskkill.exited.finally(() => proc.kill());
  } catch {
    proc.kill();
  }
}

function unavailable(binary: string, err: unknown): ApiError {
  const code = (err as { code?: string } | null)?.code ?? 'spawn failed';
  return new ApiError(502, 'DCV_UNAVAILABLE', `dcv binary "${binary}" could not be started (${code})`);
}

/** A pipe being read: what was kept so far, when it ended, and a way to stop reading it. */
interface Capture {
  done: Promise<void>;
  text(): string;
  stop(): void;
}

/** Reads a pipe, keeping at most `max` bytes but draining the rest so the child never blocks on a full pipe. */
function capture(stream: ReadableStream<Uint8Array>, max: number): Capture {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  const drain = async () => {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      if (kept >= max) continue;
      const part = next.value.byteLength > max - kept ? next.value.subarray(0, max - kept) : next.value;
      chunks.push(part);
      kept += part.byteLength;
    }
  };
  return {
    // A pipe that breaks (the child killed at its time-out) ends the capture with what was read; the
    // exit status and the time-out say what happened.
    done: drain().catch(() => undefined),
    text: () => Buffer.concat(chunks).toString('utf8'),
    // Cancelling a pipe already closed has nothing left to do.
    stop: () => void reader.cancel().catch(() => undefined),
  };
}
