import { afterAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { cleanupTempDirs, tempDir } from '../../tests/helpers/temp.ts';
import { ensureIdentity } from '../identity/identity.ts';
import { restrictToAdministrators } from './private-acl.ts';

afterAll(() => cleanupTempDirs());

test('ok: on Windows icacls drops inheritance and grants full control to SYSTEM and Administrators only (by SID); elsewhere nothing runs', async () => {
  const calls: string[][] = [];
  const run = async (argv: readonly string[]) => (calls.push([...argv]), { code: 0, output: '' });
  await restrictToAdministrators('C:\\ProgramData\\dcvix\\agent', true, { run, platform: 'win32' });
  await restrictToAdministrators('C:\\ProgramData\\dcvix\\agent\\agent.key', false, { run, platform: 'win32' });
  await restrictToAdministrators('/var/lib/dcvix-agent/agent.key', false, { run, platform: 'linux' });
  expect(calls).toEqual([
    ['icacls', 'C:\\ProgramData\\dcvix\\agent', '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F'],
    ['icacls', 'C:\\ProgramData\\dcvix\\agent\\agent.key', '/inheritance:r', '/grant:r', '*S-1-5-18:F', '*S-1-5-32-544:F'],
  ]);
});

test('rejects: icacls failing stops key creation with its output', async () => {
  const run = async () => ({ code: 5, output: 'Access is denied.' });
  await expect(restrictToAdministrators('C:\\x', false, { run, platform: 'win32' })).rejects.toThrow('icacls failed (exit 5): Access is denied.');
});

test('ok: a new identity closes the data directory before the key is written, then the key file', async () => {
  const dir = tempDir('dcvix-acl-');
  const protectedPaths: string[] = [];
  const identity = await ensureIdentity(dir, async (path, directory) => {
    protectedPaths.push(`${directory ? 'dir' : 'file'} ${path}`);
  });
  expect(protectedPaths).toEqual([`dir ${dir}`, `file ${join(dir, 'agent.key')}`]);
  protectedPaths.length = 0;
  await ensureIdentity(dir, async (path) => {
    protectedPaths.push(path);
  });
  expect([identity.created, protectedPaths]).toEqual([true, []]);
});
