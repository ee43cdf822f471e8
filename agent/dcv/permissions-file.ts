import { mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { permissionsTextProblem } from '../../shared/api/dcv-permissions.ts';
import { badRequest } from '../../shared/errors.ts';

/**
 * Runs `use` with the absolute path of a file holding `text`, a DCV permissions file, and removes the
 * file once `use` settles, whatever its outcome. The file lives alone in a directory of its own made
 * for this call (mode 0700, under the system's temporary directory) and is itself 0600: no other user
 * of the host reads or swaps what dcv, running as root, is about to apply.
 * @throws ApiError 400 INVALID_PERMISSIONS when `text` is not a permissions file as dcvix writes one
 */
export async function withPermissionsFile<T>(text: string, use: (path: string) => Promise<T>): Promise<T> {
  const problem = permissionsTextProblem(text);
  if (problem) throw badRequest('INVALID_PERMISSIONS', `not a DCV permissions file: ${problem}`);
  // dcv gets an absolute path even where TMPDIR is set to a relative one.
  const dir = mkdtempSync(join(resolve(tmpdir()), 'dcvix-permissions-'));
  const path = join(dir, 'session.perm');
  try {
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    return await use(path);
  } finally {
    // The one file, then its directory (not a recursive rm: that one fails under wine, where the Windows build is tested).
    rmSync(path, { force: true });
    rmdirSync(dir);
  }
}
