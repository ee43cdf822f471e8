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
  /** Kill the process after this long (default 10 s). */
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
      const r = await this.spawn(args);
      logged(r.code);
      return r;
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
      });
    } catch (err) {
      throw unavailable(this.opts.binary, err);
    }
    // On time-out the process is killed and the call ends at once, without waiting for its output to
    // close: a child of dcv (the real one is a wrapper script) may keep the pipes open long after.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        proc.kill('SIGKILL');
        void proc.stdout.cancel().catch(() => {});
        void proc.stderr.cancel().catch(() => {});
        reject(new ApiError(504, 'DCV_TIMEOUT', `dcv ${args[0] ?? ''} did not finish within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      const [stdout, stderr, code] = await Promise.race([
        Promise.all([readBounded(proc.stdout, this.maxBytes), readBounded(proc.stderr, this.maxBytes), proc.exited]),
        timedOut,
      ]);
      return { code, stdout, stderr };
    } finally {
      clearTimeout(timer);
    }
  }
}

function unavailable(binary: string, err: unknown): ApiError {
  const code = (err as { code?: string } | null)?.code ?? 'spawn failed';
  return new ApiError(502, 'DCV_UNAVAILABLE', `dcv binary "${binary}" could not be started (${code})`);
}

/** Reads a stream to text, keeping at most `max` bytes but draining the rest so the child never blocks. */
async function readBounded(stream: ReadableStream<Uint8Array>, max: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let kept = 0;
  for await (const chunk of stream) {
    if (kept >= max) continue;
    const part = chunk.byteLength > max - kept ? chunk.subarray(0, max - kept) : chunk;
    chunks.push(part);
    kept += part.byteLength;
  }
  return Buffer.concat(chunks).toString('utf8');
}
