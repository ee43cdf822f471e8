/**
 * PAM backend. How it talks to libpam, and why:
 * - bun:ffi straight to libpam.so.0 (pam_start / pam_start_confdir, pam_authenticate, pam_acct_mgmt,
 *   pam_end, a JSCallback conversation): no native addon to build (authenticate-pam does not load
 *   under Bun; node-linux-pam needs a build step and trusted install scripts).
 * - The FFI calls block, and PAM modules do process-wide things (fork unix_chkpwd and wait for it,
 *   change signal handlers, sleep on failure delays). So each check runs in a short-lived child
 *   process: `process.execPath` with BUN_BE_BUN=1 and `-e <script>`. That works under `bun run` and in
 *   a `bun build --compile` binary (the script is source text in this bundle, no second entry file),
 *   isolates a crashing module, and can be SIGKILLed on timeout; a Worker could not be stopped while
 *   blocked in a native call. Cost: ~50-100 ms of process start per login, fine for logins.
 * The password travels on the child's stdin, never argv or env. An unknown service name would silently
 * fall back to /etc/pam.d/other, so the service file must exist (checked at start-up and per login).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../shared/config-schema.ts';
import type { Logger } from '../../shared/log.ts';
import type { PamConfig } from '../config/auth-schema.ts';
import { PAM_CHILD_SCRIPT, type PamChildInput, type PamChildOutput } from './pam-child.ts';
import { runCommand } from './run-command.ts';
import type { AuthResult, Authenticator, Credentials } from './types.ts';

const NAME = 'pam';
const PAM_USER_UNKNOWN = 10;
const MAX_CONCURRENT = 16;

/** Path of the service file PAM would read, or undefined when the service does not exist. */
export function pamServiceFile(service: string, configDir: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(service)) return undefined;
  const dirs = configDir ? [configDir] : ['/etc/pam.d', '/usr/lib/pam.d'];
  return dirs.map((d) => join(d, service)).find((f) => existsSync(f));
}

/** The PAM Authenticator; throws ConfigError when the service does not exist. */
export function createPamAuthenticator(cfg: PamConfig, log: Logger): Authenticator {
  if (!pamServiceFile(cfg.service, cfg.config_dir)) {
    throw new ConfigError(`auth.pam.service: no PAM service "${cfg.service}" in ${cfg.config_dir || '/etc/pam.d'} (PAM would fall back to "other")`);
  }
  let running = 0;

  async function check(credentials: Credentials): Promise<AuthResult> {
    if (!pamServiceFile(cfg.service, cfg.config_dir)) return { kind: 'reject', backend: NAME, reason: `PAM service ${cfg.service} is gone` };
    const input: PamChildInput = {
      service: cfg.service,
      user: credentials.username,
      password: credentials.password,
      otp: credentials.otp,
      confdir: cfg.config_dir || undefined,
      accountCheck: cfg.account_check,
    };
    const outcome = await runCommand({
      argv: [process.execPath, '-e', PAM_CHILD_SCRIPT],
      env: { BUN_BE_BUN: '1' },
      cwd: '/', // so no bunfig.toml or .env of the director's directory applies to the child
      stdinLines: [JSON.stringify(input)],
      timeoutMs: cfg.timeout,
      outputCap: 64 * 1024,
    });
    if (outcome.kind === 'timeout') return { kind: 'reject', backend: NAME, reason: `timed out after ${cfg.timeout} ms` };
    if (outcome.kind === 'error') return { kind: 'reject', backend: NAME, reason: `could not start the PAM child: ${outcome.message}` };
    let result: PamChildOutput;
    try {
      result = JSON.parse(outcome.stdout.trim().split('\n').pop() ?? '') as PamChildOutput;
    } catch {
      log.warn('pam child gave no result', { code: outcome.code, stderr: outcome.stderr.slice(0, 512) });
      return { kind: 'reject', backend: NAME, reason: `PAM child failed (exit ${outcome.code})` };
    }
    if (result.rc === 0 && result.step === 'done') return { kind: 'ok', backend: NAME, username: credentials.username, groups: result.groups ?? [] };
    if (result.rc === PAM_USER_UNKNOWN) return { kind: 'unknown', backend: NAME };
    return { kind: 'reject', backend: NAME, reason: `${result.step}: ${result.error ?? `rc ${result.rc}`}` };
  }

  return {
    name: NAME,
    async authenticate(credentials) {
      // PAM takes C strings: a NUL would cut the name or password short.
      if (!credentials.password || credentials.username.includes('\0') || credentials.password.includes('\0')) return { kind: 'reject', backend: NAME, reason: 'empty or invalid password' };
      if (running >= MAX_CONCURRENT) return { kind: 'reject', backend: NAME, reason: 'too many PAM checks at once' };
      running++;
      try {
        return await check(credentials);
      } finally {
        running--;
      }
    },
    async health() {
      return pamServiceFile(cfg.service, cfg.config_dir) ? { ok: true } : { ok: false, detail: `no PAM service ${cfg.service}` };
    },
  };
}
