import { expect, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/temp.ts';

/** Every program and script answers --help with its usage and exits 0 without doing anything else. */
const programs = [
  'director/main.ts',
  'agent/main.ts',
  ...readdirSync(join(repoRoot, 'scripts')).filter((f) => f.endsWith('.ts')).map((f) => `scripts/${f}`),
  'bench/run.ts',
  'bench/profile-top.ts',
  ...readdirSync(join(repoRoot, 'bench/load')).map((f) => `bench/load/${f}`),
];

test.each(programs)('ok: %s --help prints usage and exits 0', (program) => {
  const r = Bun.spawnSync([process.execPath, join(repoRoot, program), '--help'], { cwd: repoRoot, stdout: 'pipe', stderr: 'pipe', timeout: 20_000 });
  expect(r.exitCode).toBe(0);
  expect(r.stdout.toString()).toContain('Usage');
});

test('ok: the demo password-file authenticator answers --help', () => {
  const r = Bun.spawnSync(['bash', join(repoRoot, 'scripts/demo/passwd-file-auth.sh'), '--help'], { stdin: 'ignore', stdout: 'pipe' });
  expect([r.exitCode, r.stdout.toString().startsWith('Usage')]).toEqual([0, true]);
});
