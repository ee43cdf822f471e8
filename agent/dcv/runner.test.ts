import { describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../shared/errors.ts';
import { loggableArgv, SpawnDcvRunner } from './runner.ts';

/**
 * Stand-in dcv: this Bun running a line of JavaScript (`bun -e CODE ARGS...`), the same on Linux and
 * Windows; the runner does not care what it runs.
 */
const bunDcv = (code: string, options: { timeoutMs?: number; maxOutputBytes?: number } = {}) => ({
  runner: new SpawnDcvRunner({ binary: process.execPath, ...options }),
  args: (...rest: string[]) => ['-e', code, ...rest],
});
const WINDOWS = process.platform === 'win32';
/** Under wine, Bun prints "Internal error: directory mismatch ..." lines of its own to stderr: not the stand-in's. */
const withoutWineNoise = (result: { code: number; stdout: string; stderr: string }) => ({ ...result, stderr: result.stderr.replace(/^Internal error: directory mismatch.*\r?\n/gm, '') });

describe('SpawnDcvRunner', () => {
  test('ok: argv is passed verbatim, no shell expansion', async () => {
    const { runner, args } = bunDcv('console.log(process.argv.slice(1).join(" "))');
    const result = withoutWineNoise(await runner.run(args('$(id)', 'a;b', '*', "'x'", '%PATH%')));
    expect(result).toEqual({ code: 0, stdout: "$(id) a;b * 'x' %PATH%\n", stderr: '' });
  });

  test('ok: non-zero exit and stderr are returned, not thrown', async () => {
    const { runner, args } = bunDcv('console.error("no such file: " + process.argv[1]); process.exit(2)');
    const result = withoutWineNoise(await runner.run(args('/definitely/not/here')));
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'no such file: /definitely/not/here\n' });
  });

  test('ok: output beyond the cap is drained and dropped', async () => {
    const { runner, args } = bunDcv('process.stdout.write(Buffer.alloc(200000, 48))', { maxOutputBytes: 10 });
    const result = await runner.run(args());
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('0000000000');
  });

  test('rejects: missing binary -> 502 DCV_UNAVAILABLE', async () => {
    const err = await new SpawnDcvRunner({ binary: '/nonexistent/dcv' }).run(['list-sessions']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(502);
    expect((err as ApiError).code).toBe('DCV_UNAVAILABLE');
  });

  test('rejects: a hung dcv is killed -> 504 DCV_TIMEOUT', async () => {
    const started = Date.now();
    const { runner, args } = bunDcv('setTimeout(() => {}, 10000)', { timeoutMs: 100 });
    const err = await runner.run(args()).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('DCV_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('rejects: at the time-out a hung dcv and the child it started are both gone (process group on Linux, process tree on Windows)', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'dcvix-runner-')), 'pids');
    const child = 'setTimeout(() => {}, 30000)';
    const { runner, args } = bunDcv(
      `const started = Bun.spawn([process.execPath, "-e", ${JSON.stringify(child)}], { stdio: ["ignore", "ignore", "ignore"] }); require("fs").writeFileSync(process.argv[1], process.pid + " " + started.pid); setTimeout(() => {}, 30000)`,
      // Long enough for both to start and write their pids first (a Bun start under wine takes about a second).
      { timeoutMs: WINDOWS ? 8000 : 3000 },
    );
    const err = await runner.run(args(pidFile)).catch((e: unknown) => e);
    const pids = await pidsOf(pidFile);
    try {
      expect((err as ApiError).code).toBe('DCV_TIMEOUT');
      expect(await allDead(pids, 5000)).toBe(true);
    } finally {
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 30_000);
});

/** A stand-in `dcv` shell script in a fresh directory; it gets the path of a file for pids as $1. */
function fakeDcv(body: string): { script: string; pidFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-runner-'));
  const script = join(dir, 'dcv');
  writeFileSync(script, `#!/bin/sh\n${body}\n`);
  chmodSync(script, 0o755);
  return { script, pidFile: join(dir, 'pids') };
}

/** Pids the script wrote (its own, then its background child's), once both are there. */
async function pidsOf(pidFile: string): Promise<number[]> {
  for (let tries = 0; tries < 100; tries++) {
    const pids = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim().split(/\s+/).map(Number) : [];
    if (pids.length === 2 && pids.every((pid) => pid > 0)) return pids;
    await Bun.sleep(20);
  }
  throw new Error(`no pids in ${pidFile}`);
}

/** Alive = signal 0 reaches it and it is not a zombie waiting for a parent that does not reap. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // Under wine /proc is the Linux host's, its pids not these: only Linux has zombies to look for.
  const stat = !WINDOWS && existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
}

async function allDead(pids: number[], withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (pids.some(alive) && Date.now() < until) await Bun.sleep(50);
  return !pids.some(alive);
}

// Shell scripts and POSIX signals (SIGTERM ignored, then SIGKILL): Linux only; the Windows build ends the process tree at once.
describe.skipIf(WINDOWS)('SpawnDcvRunner time-out with children (shell stand-ins)', () => {
  /** Clean-up whatever the assertions found: no process of a test outlives it. */
  const killAll = (pids: number[]) => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  };

  test('rejects: DCV_TIMEOUT at the time limit, and dcv and the background child it started are both gone', async () => {
    // Like the real dcv: a wrapper whose child (here a background `sleep`) holds the pipes too.
    const { script, pidFile } = fakeDcv('sleep 30 &\necho "$$ $!" > "$1"\nsleep 30\necho never');
    const started = Date.now();
    const err = await new SpawnDcvRunner({ binary: script, timeoutMs: 300 }).run([pidFile]).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    const pids = await pidsOf(pidFile);
    try {
      expect((err as ApiError).code).toBe('DCV_TIMEOUT');
      expect((err as ApiError).message).toBe(`dcv ${pidFile} did not finish within 300 ms`);
      expect(elapsed).toBeLessThan(300 + 1500);
      expect(await allDead(pids, 3000)).toBe(true);
    } finally {
      killAll(pids);
    }
  }, 10_000);

  test('rejects: a child that ignores SIGTERM is killed with SIGKILL after the grace', async () => {
    const { script, pidFile } = fakeDcv('(trap \'\' TERM; exec sleep 30) &\necho "$$ $!" > "$1"\nsleep 30');
    const err = await new SpawnDcvRunner({ binary: script, timeoutMs: 300 }).run([pidFile]).catch((e: unknown) => e);
    const pids = await pidsOf(pidFile);
    try {
      expect((err as ApiError).code).toBe('DCV_TIMEOUT');
      expect(await allDead(pids, 5000)).toBe(true);
    } finally {
      killAll(pids);
    }
  }, 10_000);

  test('ok: dcv that exits while a child it left keeps stdout open answers with its exit code and output, not a time-out', async () => {
    const { script, pidFile } = fakeDcv('sleep 30 &\necho "$$ $!" > "$1"\necho listed\nexit 3');
    const result = await new SpawnDcvRunner({ binary: script, timeoutMs: 20_000 }).run([pidFile]);
    const pids = await pidsOf(pidFile);
    killAll(pids);
    expect(result).toEqual({ code: 3, stdout: 'listed\n', stderr: '' });
  }, 10_000);
});

test('ok: logged argv masks the value after a secret-bearing flag and a set-config value, nothing else', () => {
  expect(loggableArgv(['create-session', '--owner', 'alice', '--auth-token', 's3cret', 'id-1'])).toEqual(['create-session', '--owner', 'alice', '--auth-token', '***', 'id-1']);
  expect(loggableArgv(['set-config', '--section', 'display', '--key', 'quality', '(30,80)'])).toEqual(['set-config', '--section', 'display', '--key', 'quality', '***']);
});
