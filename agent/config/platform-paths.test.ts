import { expect, test } from 'bun:test';
import { isAbsolute, join } from 'node:path';
import { platformPaths, programPath } from './platform-paths.ts';

test('ok: on Windows config and data live under %ProgramData%\\dcvix and dcv is the DCV Server install location', () => {
  expect(platformPaths('win32', { ProgramData: 'D:\\PD' })).toEqual({
    configFile: 'D:\\PD\\dcvix\\dcvix-agent.conf',
    dataDir: 'D:\\PD\\dcvix\\agent',
    dcvPath: 'C:\\Program Files\\NICE\\DCV\\Server\\bin\\dcv.exe',
    nvidiaSmiPath: 'C:\\Windows\\System32\\nvidia-smi.exe',
    dcvConfFile: 'registry',
  });
  expect(platformPaths('win32', {}).configFile).toBe('C:\\ProgramData\\dcvix\\dcvix-agent.conf');
});

test('ok: on Linux the packaged paths', () => {
  expect(platformPaths('linux', {})).toEqual({
    configFile: '/etc/dcvix/dcvix-agent.conf',
    dataDir: '/var/lib/dcvix-agent',
    dcvPath: '/usr/bin/dcv',
    nvidiaSmiPath: '/usr/bin/nvidia-smi',
    dcvConfFile: '/etc/dcv/dcv.conf',
  });
});

test('ok: a program path with a directory resolves against the config directory, a bare name is kept for PATH', () => {
  const base = process.platform === 'win32' ? 'C:\\conf' : '/conf';
  expect(programPath(base, 'dcv')).toBe('dcv');
  expect(programPath(base, join('bin', 'dcv'))).toBe(join(base, 'bin', 'dcv'));
  expect(isAbsolute(programPath(base, join('bin', 'dcv')))).toBe(true);
  const absolute = join(base, 'x', 'dcv');
  expect(programPath(base, absolute)).toBe(absolute);
});
