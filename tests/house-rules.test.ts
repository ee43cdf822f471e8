import { describe, expect, test } from 'bun:test';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..');

function runScript(script: string, ...args: string[]) {
  const result = Bun.spawnSync([process.execPath, join(ROOT, 'scripts', script), ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  return { exitCode: result.exitCode, output: result.stdout.toString() + result.stderr.toString() };
}

describe('house rules the scripts check', () => {
  test('ok: no export is dead (scripts/unused-exports.ts)', () => {
    const result = runScript('unused-exports.ts');
    expect(result.output.split('\n').filter((line) => line.startsWith('dead'))).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  test('ok: no one-letter names outside tiny lambdas (scripts/one-letter-names.ts)', () => {
    const result = runScript('one-letter-names.ts', 'agent', 'web', 'shared', 'tests', 'scripts', 'bench');
    expect(result.output.trim()).toBe('no one-letter names outside tiny lambdas');
    expect(result.exitCode).toBe(0);
  });

  test('rejects: both scripts do report what they look for', () => {
    const sample = mkdtempSync(join(tmpdir(), 'one-letter-'));
    try {
      // What the scanner must catch (a, r, k, v, s) beside what it must leave alone (a tiny lambda, a type parameter).
      copyFileSync(join(ROOT, 'tests/fixtures/one-letter-sample.ts.txt'), join(sample, 'sample.ts'));
      const result = runScript('one-letter-names.ts', sample);
      expect(result.output).toMatch(/sample\.ts \(4\): 1:a 2:r 9:k,v 10:s$/m);
      expect(result.exitCode).toBe(1);
    } finally {
      rmSync(sample, { recursive: true, force: true });
    }
    expect(runScript('unused-exports.ts').output).toMatch(/^local {2}\S+ {2}\w+$/m);
  });
});
