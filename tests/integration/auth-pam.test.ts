import { afterAll, beforeAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../shared/config-schema.ts';
import { silentLogger } from '../../shared/log.ts';
import { createPamAuthenticator } from '../../director/auth/pam.ts';
import { createPamFixture, type PamFixture } from '../helpers/pam-user.ts';
import { describeWith } from '../helpers/system-packages.ts';

describeWith(['pam'], 'pam backend with a real local user', () => {
  let fx: PamFixture;
  let pam: ReturnType<typeof createPamAuthenticator>;
  beforeAll(async () => {
    fx = await createPamFixture();
    pam = createPamAuthenticator({ service: fx.service, config_dir: fx.configDir, account_check: true, timeout: 10_000 }, silentLogger);
  }, 30_000);
  afterAll(() => fx?.cleanup());

  test('ok: right password, with the primary group', async () => {
    const result = await pam.authenticate({ username: fx.user, password: fx.password });
    expect(result).toMatchObject({ kind: 'ok', backend: 'pam', username: fx.user });
    expect(result.kind === 'ok' && result.groups).toContain(fx.user);
  });

  test('rejects: wrong password, quickly (nodelay)', async () => {
    const started = performance.now();
    expect(await pam.authenticate({ username: fx.user, password: `${fx.password}x` })).toMatchObject({ kind: 'reject', backend: 'pam' });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  test('rejects: empty password and NUL bytes never reach PAM', async () => {
    expect(await pam.authenticate({ username: fx.user, password: '' })).toMatchObject({ kind: 'reject' });
    expect(await pam.authenticate({ username: fx.user, password: `${fx.password}\0tail` })).toMatchObject({ kind: 'reject' });
  });

  test('unknown: a user that does not exist', async () => {
    expect(await pam.authenticate({ username: 'no-such-user-dcvix', password: 'x' })).toEqual({ kind: 'unknown', backend: 'pam' });
  });

  test('rejects: an unknown service is refused at start-up (no fallback to "other")', () => {
    expect(() => createPamAuthenticator({ service: 'dcvix-nonexistent', config_dir: fx.configDir, account_check: true, timeout: 1000 }, silentLogger)).toThrow(ConfigError);
    expect(() => createPamAuthenticator({ service: '../etc/passwd', config_dir: '', account_check: true, timeout: 1000 }, silentLogger)).toThrow(ConfigError);
  });

  test('rejects: a hanging PAM stack is killed at the time limit', async () => {
    // pam_exec puts its command in a session of its own, so that sleep outlives the kill by design.
    writeFileSync(join(fx.configDir, 'dcvix-hang'), 'auth required pam_exec.so quiet /bin/sleep 3\naccount required pam_unix.so\n');
    const slow = createPamAuthenticator({ service: 'dcvix-hang', config_dir: fx.configDir, account_check: true, timeout: 400 }, silentLogger);
    const started = performance.now();
    expect(await slow.authenticate({ username: fx.user, password: fx.password })).toMatchObject({ kind: 'reject', reason: 'timed out after 400 ms' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
