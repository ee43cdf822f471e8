import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Temp dirs for tests, the benchmarks and scripts, and the repository root they run against. */

const made: string[] = [];

/** A fresh temp dir, removed by cleanupTempDirs (call it in afterAll). */
export function tempDir(prefix = 'dcvix-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * Removes every dir tempDir made so far, unless the environment variable `keepEnv` is set (tests:
 * DCVIX_KEEP_TEMP, the benchmarks: BENCH_KEEP_TEMP).
 */
export function cleanupTempDirs(keepEnv?: string): void {
  // A test hook may be handed an argument of the runner's own: only a string names the variable.
  if (process.env[typeof keepEnv === 'string' ? keepEnv : 'DCVIX_KEEP_TEMP']) return;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export const repoRoot = join(import.meta.dir, '..', '..');
