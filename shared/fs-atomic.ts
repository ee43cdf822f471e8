import { closeSync, fsyncSync, openSync, readdirSync, renameSync, writeSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

const TEMP_MARK = '.tmp-';

/** Removes temp files a killed writer left in `dir` (the targets themselves are always whole). */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!/\.tmp-\d+-[a-z0-9]+$/.test(name)) continue;
    unlinkSync(join(dir, name));
    removed.push(name);
  }
  return removed;
}

/**
 * Writes a file so that readers see either the old or the new content, never half of it:
 * write a temp file beside it, fsync, rename over the target, fsync the directory.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = `${path}${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameOver(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // Directory fsync is best effort (not supported on every filesystem).
  }
}

/** Codes Windows gives for a rename over a file another process holds open (a scanner, an indexer, a reader). */
const BUSY_CODES = new Set(['EPERM', 'EACCES', 'EBUSY']);

/**
 * renameSync(from, to), tried again for up to about a second where Windows refuses to replace a file
 * that is open elsewhere (POSIX replaces it at once, so a refusal there is final); the temp file is
 * removed when it never succeeds.
 */
export function renameOver(from: string, to: string, deps: { rename?: typeof renameSync; platform?: NodeJS.Platform; sleep?: (ms: number) => void } = {}): void {
  const rename = deps.rename ?? renameSync;
  const retries = (deps.platform ?? process.platform) === 'win32' ? 10 : 0;
  for (let attempt = 0; ; attempt++) {
    try {
      rename(from, to);
      return;
    } catch (err) {
      if (attempt >= retries || !BUSY_CODES.has((err as NodeJS.ErrnoException).code ?? '')) {
        try {
          unlinkSync(from);
        } catch {
          // Already gone: nothing to tidy.
        }
        throw err;
      }
      (deps.sleep ?? Bun.sleepSync)(20 * (attempt + 1));
    }
  }
}
