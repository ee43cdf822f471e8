import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../shared/errors.ts';
import { loggableArgv, SpawnDcvRunner } from './runner.ts';

// Stand-in binaries from coreutils: the runner does not care what it runs.
describe('SpawnDcvRunner', () => {
  test('ok: argv is passed verbatim, no shell expansion', async () => {
    const r = await new SpawnDcvRunner({ binary: 'echo' }).run(['$(id)', 'a;b', '*', "'x'"]);
    expect(r).toEqual({ code: 0, stdout: "$(id) a;b * 'x'\n", stderr: '' });
  });

  test('ok: non-zero exit and stderr are returned, not thrown', async () => {
    const r = await new SpawnDcvRunner({ binary: 'ls' }).run(['/definitely/not/here']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('/definitely/not/here');
  });

  test('ok: output beyond the cap is drained and dropped', async () => {
    const r = await new SpawnDcvRunner({ binary: 'head', maxOutputBytes: 10 }).run(['-c', '200000', '/dev/zero']);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(10);
  });

  test('rejects: missing binary -> 502 DCV_UNAVAILABLE', async () => {
    const err = await new SpawnDcvRunner({ binary: '/nonexistent/dcv' }).run(['list-sessions']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(502);
    expect((err as ApiError).code).toBe('DCV_UNAVAILABLE');
  });

  test('rejects: a hung dcv is killed -> 504 DCV_TIMEOUT', async () => {
    const started = Date.now();
    const err = await new SpawnDcvRunner({ binary: 'sleep', timeoutMs: 100 }).run(['10']).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('DCV_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('SpawnDcvRunner time-out with a child holding the output open', () => {
  test('rejects: DCV_TIMEOUT at the time limit even when a grandchild keeps stdout open', async () => {
    const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'dcvix-runner-'));
    // A wrapper script like the real dcv: killing the shell leaves `sleep` holding the pipe.
    const script = join(dir, 'dcv');
    writeFileSync(script, '#!/bin/sh\nsleep 30\necho never\n');
    chmodSync(script, 0o755);
    const err = await new SpawnDcvRunner({ binary: script, timeoutMs: 200 }).run(['create-session']).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('DCV_TIMEOUT');
    expect((err as ApiError).message).toBe('dcv create-session did not finish within 200 ms');
  }, 10_000);
});

test('ok: logged argv masks the value after a secret-bearing flag and a set-config value, nothing else', () => {
  expect(loggableArgv(['create-session', '--owner', 'alice', '--auth-token', 's3cret', 'id-1'])).toEqual(['create-session', '--owner', 'alice', '--auth-token', '***', 'id-1']);
  expect(loggableArgv(['set-config', '--section', 'display', '--key', 'quality', '(30,80)'])).toEqual(['set-config', '--section', 'display', '--key', 'quality', '***']);
});
