import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A fresh temp dir, removed by cleanupTempDirs (call it in afterAll). */
export function tempDir(prefix = 'dcvix-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  if (process.env.DCVIX_KEEP_TEMP) return;
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const repoRoot = join(import.meta.dir, '..', '..');
