import { describe, expect, test } from 'bun:test';
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

  test('ok: no one-letter names outside tiny lambdas in the folders already cleaned (scripts/one-letter-names.ts)', () => {
    const result = runScript('one-letter-names.ts', 'shared/pki', 'agent/identity', 'agent/stats', 'scripts', 'bench');
    expect(result.output.trim()).toBe('no one-letter names outside tiny lambdas');
    expect(result.exitCode).toBe(0);
  });

  test('rejects: both scripts do report what they look for', () => {
    expect(runScript('one-letter-names.ts', 'tests/fixtures').output).toMatch(/\(\d+\): \d+:/);
    expect(runScript('unused-exports.ts').output).toMatch(/^local {2}\S+ {2}\w+$/m);
  });
});
