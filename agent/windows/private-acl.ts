/**
 * On Windows a file mode means nothing, so the agent's data directory (its private key among the files)
 * is closed with an ACL instead: inheritance removed, full control for SYSTEM and Administrators only.
 * Well-known SIDs (S-1-5-18, S-1-5-32-544) rather than names, which are translated on localised Windows.
 */
import { mustRun, spawnSystemCommand, type SystemCommandRunner } from './system-command.ts';

const SYSTEM_SID = '*S-1-5-18';
const ADMINISTRATORS_SID = '*S-1-5-32-544';

/** The icacls argv that leaves `path` to SYSTEM and Administrators; on a directory, its files inherit it. */
function privateAclArgv(path: string, directory: boolean): string[] {
  const rights = directory ? '(OI)(CI)F' : 'F';
  return ['icacls', path, '/inheritance:r', '/grant:r', `${SYSTEM_SID}:${rights}`, `${ADMINISTRATORS_SID}:${rights}`];
}

/**
 * Closes `path` to all but SYSTEM and Administrators on Windows (no-op elsewhere: POSIX modes do it);
 * a failure is thrown, since a key left readable to users must not go unnoticed.
 */
export async function restrictToAdministrators(path: string, directory: boolean, deps: { run?: SystemCommandRunner; platform?: NodeJS.Platform } = {}): Promise<void> {
  if ((deps.platform ?? process.platform) !== 'win32') return;
  await mustRun(deps.run ?? spawnSystemCommand, privateAclArgv(path, directory));
}
