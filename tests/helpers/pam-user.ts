/**
 * A real local user and a private PAM service for the PAM integration test. Creating the user needs
 * root (useradd, chpasswd); the service lives in a temp dir read through pam_start_confdir, so nothing
 * is written to /etc/pam.d. The user is kept between runs (same name, password reset each time).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PAM_TEST_USER = 'dcvixpam';
export const PAM_TEST_SERVICE = 'dcvix-test';

export interface PamFixture {
  user: string;
  password: string;
  service: string;
  configDir: string;
  cleanup(): void;
}

/** Why the PAM test cannot run here, or undefined when it can. */
export function pamUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (cannot create a user or read /etc/shadow)';
  if (!existsSync('/usr/lib/x86_64-linux-gnu/libpam.so.0') && !existsSync('/lib/x86_64-linux-gnu/libpam.so.0')) return 'libpam.so.0 missing';
  const path = `${process.env.PATH}:/usr/sbin:/sbin`;
  const missing = ['useradd', 'chpasswd'].filter((t) => !Bun.which(t, { PATH: path }));
  return missing.length ? `missing ${missing.join(', ')}` : undefined;
}

async function run(argv: string[], stdin?: string): Promise<number> {
  const proc = Bun.spawn(argv, { stdin: stdin === undefined ? 'ignore' : new TextEncoder().encode(stdin), stdout: 'ignore', stderr: 'ignore' });
  return proc.exited;
}

/** Ensures the test user exists with a fresh random password and writes a private PAM service. */
export async function createPamFixture(): Promise<PamFixture> {
  const password = `pw-${crypto.randomUUID()}`;
  if ((await run(['id', PAM_TEST_USER])) !== 0) {
    if ((await run(['useradd', '-M', '-s', '/usr/sbin/nologin', PAM_TEST_USER])) !== 0) throw new Error('useradd failed');
  }
  if ((await run(['chpasswd'], `${PAM_TEST_USER}:${password}\n`)) !== 0) throw new Error('chpasswd failed');
  const configDir = mkdtempSync(join(tmpdir(), 'dcvix-pam-'));
  // nodelay: a failure must not cost the usual ~2 s.
  writeFileSync(join(configDir, PAM_TEST_SERVICE), 'auth required pam_unix.so nodelay\naccount required pam_unix.so\n');
  return { user: PAM_TEST_USER, password, service: PAM_TEST_SERVICE, configDir, cleanup: () => rmSync(configDir, { recursive: true, force: true }) };
}
