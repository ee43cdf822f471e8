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
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // Directory fsync is best effort (not supported on every filesystem).
  }
}
