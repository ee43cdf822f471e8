import { mkdtempSync, readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
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
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Bun's recursive rm fails (EFAULT) under wine 8, where the Windows agent's tests run: one by one.
      removeTree(dir);
    }
  }
}

function removeTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeTree(path);
    else unlinkSync(path);
  }
  rmdirSync(dir);
}

export const repoRoot = join(import.meta.dir, '..', '..');
