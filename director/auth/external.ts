/**
 * External command backend. Contract: argv from config (no shell); the user name in $DCVIX_USER (and in
 * argv where "{user}" appears, only for names of a strict charset); the password, then the OTP (or an
 * empty line) on stdin; exit 0 = accept, 1 = reject, anything else or the time limit = reject with a
 * reason. On exit 0, stdout lines "group:NAME" list the user's groups. Output never reaches the client.
 */
import type { Logger } from '../../shared/log.ts';
import { runCommand, SAFE_PATH } from './run-command.ts';
import type { AuthResult, Authenticator, Credentials } from './types.ts';
import { isStrictUsername } from './username.ts';

export interface ExternalCommandConfig {
  readonly command: readonly string[];
  readonly timeout: number;
}

/** Builds argv with "{user}" substituted, or undefined when the name may not go into argv. */
export function commandArgv(command: readonly string[], username: string): string[] | undefined {
  const needsUser = command.some((a) => a.includes('{user}'));
  if (needsUser && !isStrictUsername(username)) return undefined;
  return command.map((a) => a.replaceAll('{user}', username));
}

/** Maps a command outcome to accept / reject-with-reason; shared by the auth backend and the OTP verifier. */
export async function runCredentialCommand(
  cfg: ExternalCommandConfig,
  username: string,
  secrets: string[],
  log: Logger,
  extraEnv: Record<string, string> = {},
): Promise<{ ok: true; stdout: string } | { ok: false; reason: string }> {
  if (cfg.command.length === 0) return { ok: false, reason: 'no command configured' };
  const argv = commandArgv(cfg.command, username);
  if (!argv) return { ok: false, reason: 'user name not allowed in command line' };
  const outcome = await runCommand({ argv, env: { DCVIX_USER: username, ...extraEnv }, stdinLines: secrets, timeoutMs: cfg.timeout });
  if (outcome.kind === 'timeout') return { ok: false, reason: `timed out after ${cfg.timeout} ms` };
  if (outcome.kind === 'error') return { ok: false, reason: `could not start: ${outcome.message}` };
  if (outcome.stdout || outcome.stderr) {
    // A script may echo what it read: the secrets are cut out before anything is logged.
    const clean = (text: string) => secrets.reduce((t, s) => (s ? t.replaceAll(s, '***') : t), text).slice(0, 512);
    log.debug('external command output', { command: argv[0], code: outcome.code, stdout: clean(outcome.stdout), stderr: clean(outcome.stderr) });
  }
  if (outcome.code === 0) return { ok: true, stdout: outcome.stdout };
  if (outcome.code === 1) return { ok: false, reason: 'rejected' };
  return { ok: false, reason: `exit code ${outcome.code}` };
}

/** Groups from "group:NAME" lines of the command's stdout. */
export function parseGroups(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => /^group:(.+)$/.exec(l.trim())?.[1]?.trim())
    .filter((g): g is string => !!g);
}

/** The external-command Authenticator. */
export function createExternalAuthenticator(cfg: ExternalCommandConfig, log: Logger): Authenticator {
  if (cfg.command.length === 0) log.warn('auth.external.command is empty: the external backend rejects every login');
  return {
    name: 'external',
    async authenticate(credentials: Credentials): Promise<AuthResult> {
      const env: Record<string, string> = credentials.clientAddress ? { DCVIX_CLIENT_ADDRESS: credentials.clientAddress } : {};
      const outcome = await runCredentialCommand(cfg, credentials.username, [credentials.password, credentials.otp ?? ''], log, env);
      if (!outcome.ok) return { kind: 'reject', backend: 'external', reason: outcome.reason };
      return { kind: 'ok', backend: 'external', username: credentials.username, groups: parseGroups(outcome.stdout) };
    },
    async health() {
      if (cfg.command.length === 0) return { ok: false, detail: 'no command configured' };
      const exe = cfg.command[0]!;
      const found = exe.includes('/') ? await Bun.file(exe).exists() : Bun.which(exe, { PATH: SAFE_PATH }) !== null;
      return found ? { ok: true } : { ok: false, detail: `${exe} not found` };
    },
  };
}
