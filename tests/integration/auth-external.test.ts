import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../../shared/log.ts';
import { createExternalAuthenticator } from '../../director/auth/external.ts';
import { createExternalOtpVerifier } from '../../director/otp/external.ts';

// The fixture command: reads password and OTP lines, records its argv and environment, decides by
// user name. Written into a temp dir so the test needs no files beside it.
const SCRIPT = `#!/bin/sh
IFS= read -r pw
IFS= read -r otp
printf '%s\\n' "$@" > "$(dirname "$0")/argv.txt"
env > "$(dirname "$0")/env.txt"
case "$DCVIX_USER" in
  alice) [ "$pw" = "alice-pw" ] && { echo "group:engineers"; echo "group:admins"; exit 0; }; exit 1 ;;
  otpuser) [ "$pw" = "123456" ] && exit 0; exit 1 ;;
  slow) sleep 5; exit 0 ;;
  weird) echo "stack trace with $pw" >&2; exit 3 ;;
  *) exit 1 ;;
esac
`;

describe('external command backend', () => {
  let dir: string;
  let script: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dcvix-ext-'));
    script = join(dir, 'check.sh');
    writeFileSync(script, SCRIPT);
    chmodSync(script, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const ext = (command: string[], timeout = 5000) => createExternalAuthenticator({ command, timeout }, silentLogger);
  const read = (name: string) => Bun.file(join(dir, name)).text();

  test('ok: exit 0, groups from stdout, password only on stdin', async () => {
    const result = await ext([script, '--user', '{user}']).authenticate({ username: 'alice', password: 'alice-pw', clientAddress: '192.0.2.1' });
    expect(result).toEqual({ kind: 'ok', backend: 'external', username: 'alice', groups: ['engineers', 'admins'] });
    expect(await read('argv.txt')).toBe('--user\nalice\n');
    const env = await read('env.txt');
    expect(env).toContain('DCVIX_USER=alice');
    expect(env).toContain('DCVIX_CLIENT_ADDRESS=192.0.2.1');
    expect(env).not.toContain('alice-pw');
  });

  test('rejects: exit 1', async () => {
    expect(await ext([script]).authenticate({ username: 'alice', password: 'nope' })).toEqual({ kind: 'reject', backend: 'external', reason: 'rejected' });
  });

  test('rejects: other exit codes, with a reason that carries no output; the debug log has no password', async () => {
    const lines: string[] = [];
    const authenticator = createExternalAuthenticator(
      { command: [script], timeout: 5000 },
      createLogger({}, 'debug', (l) => lines.push(l)),
    );
    const result = await authenticator.authenticate({ username: 'weird', password: 'secret-pw' });
    expect(result).toEqual({ kind: 'reject', backend: 'external', reason: 'exit code 3' });
    expect(lines.join('\n')).toContain('stack trace with ***');
    expect(lines.join('\n')).not.toContain('secret-pw');
  });

  test('rejects: killed at the time limit', async () => {
    const started = performance.now();
    expect(await ext([script], 300).authenticate({ username: 'slow', password: 'x' })).toMatchObject({ kind: 'reject', reason: 'timed out after 300 ms' });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  test('rejects: a user name outside the strict charset never reaches argv', async () => {
    for (const username of ['-rf', 'a b', 'x;rm', '$(id)', 'a/b']) {
      expect(await ext([script, '{user}']).authenticate({ username, password: 'x' })).toMatchObject({ kind: 'reject', reason: 'user name not allowed in command line' });
    }
  });

  test('ok: odd user names are fine when only $DCVIX_USER carries them', async () => {
    expect(await ext([script]).authenticate({ username: 'a b;$(id)', password: 'x' })).toMatchObject({ kind: 'reject', reason: 'rejected' });
    expect(await read('env.txt')).toContain('DCVIX_USER=a b;$(id)');
  });

  test('rejects: missing command', async () => {
    expect(await ext([join(dir, 'nope')]).authenticate({ username: 'alice', password: 'x' })).toMatchObject({ kind: 'reject' });
    expect((await ext([join(dir, 'nope')]).health!()).ok).toBe(false);
    expect(await ext([script]).health!()).toEqual({ ok: true });
  });

  test('ok: the OTP verifier variant gets the OTP as its only stdin line', async () => {
    const otp = createExternalOtpVerifier({ command: [script], timeout: 5000 }, silentLogger);
    expect(await otp.verify('otpuser', '123456')).toBe(true);
    expect(await otp.verify('otpuser', '654321')).toBe(false);
  });
});
