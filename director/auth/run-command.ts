/**
 * Runs a configured credential-checking command: argv without a shell, the user name in $DCVIX_USER,
 * secrets as lines on stdin (never argv or env), a minimal environment, and a hard time limit: SIGKILL
 * to the command's own process group, so helpers it started (a shell's children, pam_exec) die too.
 * Output is captured only for debug logging, truncated, and never shown to clients.
 */
export interface CommandRun {
  argv: readonly string[];
  env: Record<string, string>;
  stdinLines: readonly string[];
  timeoutMs: number;
  /** Working directory (default: the director's). */
  cwd?: string;
  /** Characters of stdout/stderr kept (default 4096). */
  outputCap?: number;
}

export type CommandOutcome = { kind: 'exit'; code: number; stdout: string; stderr: string } | { kind: 'timeout' } | { kind: 'error'; message: string };

const OUTPUT_CAP = 4096;
export const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Spawns the command and resolves with its exit, a timeout, or a spawn error; never rejects. */
export async function runCommand(run: CommandRun): Promise<CommandOutcome> {
  let proc: Bun.Subprocess<'pipe', 'pipe', 'pipe'>;
  try {
    proc = Bun.spawn([...run.argv], {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      env: { PATH: SAFE_PATH, LANG: 'C.UTF-8', ...run.env },
      cwd: run.cwd,
      detached: true, // own process group (setsid), killed as a whole on timeout
    });
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // No process group (it was not made a leader): kill the command itself.
      proc.kill('SIGKILL');
    }
  }, run.timeoutMs);
  // Read before writing, so a command that talks first cannot fill its pipe and stall us.
  const cap = run.outputCap ?? OUTPUT_CAP;
  const stdout = readCapped(proc.stdout, cap);
  const stderr = readCapped(proc.stderr, cap);
  try {
    proc.stdin.write(run.stdinLines.map((l) => `${l}\n`).join(''));
    await proc.stdin.end();
  } catch {
    // The command may exit without reading stdin (EPIPE); its exit code still decides.
  }
  const code = await proc.exited;
  clearTimeout(timer);
  if (timedOut) return { kind: 'timeout' };
  // A grandchild may hold the pipes open: give the output a moment, never wait for it.
  const [out, err] = await Promise.all([withDeadline(stdout, 200), withDeadline(stderr, 200)]);
  return { kind: 'exit', code, stdout: out, stderr: err };
}

async function readCapped(stream: ReadableStream<Uint8Array>, cap: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stream) {
    if (text.length < cap) text += decoder.decode(chunk, { stream: true });
  }
  return text.slice(0, cap);
}

function withDeadline(promise: Promise<string>, ms: number): Promise<string> {
  return Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve(''), ms).unref())]).catch(() => '');
}
