import { afterAll, expect, test } from 'bun:test';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupTempDirs, tempDir } from '../tests/helpers/temp.ts';
import { renameOver, writeFileAtomic } from './fs-atomic.ts';

afterAll(() => cleanupTempDirs());

const busy = () => Object.assign(new Error('EPERM: operation not permitted, rename'), { code: 'EPERM' });

test('ok: on Windows a rename refused while the target is open elsewhere is tried again until it goes through', () => {
  const dir = tempDir('dcvix-fs-atomic-');
  const [from, to] = [join(dir, 'new'), join(dir, 'target')];
  writeFileSync(from, 'new');
  writeFileSync(to, 'old');
  let refusals = 2;
  const waits: number[] = [];
  renameOver(from, to, {
    platform: 'win32',
    sleep: (ms) => waits.push(ms),
    rename: (source, target) => {
      if (refusals-- > 0) throw busy();
      renameSync(source, target);
    },
  });
  expect(readFileSync(to, 'utf8')).toBe('new');
  expect(waits).toEqual([20, 40]);
});

test('rejects: a refusal that lasts (or any refusal off Windows) is thrown and the temp file removed, the target kept', () => {
  const dir = tempDir('dcvix-fs-atomic-');
  for (const platform of ['win32', 'linux'] as const) {
    const [from, to] = [join(dir, `new-${platform}`), join(dir, 'target')];
    writeFileSync(from, 'new');
    writeFileSync(to, 'old');
    let calls = 0;
    const rename = () => {
      calls++;
      throw busy();
    };
    expect(() => renameOver(from, to, { platform, sleep: () => {}, rename })).toThrow('EPERM');
    expect([platform, calls, existsSync(from), readFileSync(to, 'utf8')]).toEqual([platform, platform === 'win32' ? 11 : 1, false, 'old']);
  }
});

test('ok: writeFileAtomic replaces the content whole', () => {
  const file = join(tempDir('dcvix-fs-atomic-'), 'f');
  writeFileAtomic(file, 'one');
  writeFileAtomic(file, 'two');
  expect(readFileSync(file, 'utf8')).toBe('two');
});
