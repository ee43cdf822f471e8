import { expect, test } from 'bun:test';
import { spawnSystemCommand } from './system-command.ts';
import { DCV_REGISTRY_KEY, dcvRegistrySource, parseRegQuery, readDcvRegistry } from './dcv-registry.ts';
import { DcvSelfCheck } from '../selfcheck/self-check.ts';
import { DCV_REGISTRY_SOURCE, dcvConfigSource } from '../selfcheck/source.ts';

/** `reg query KEY /s` as reg.exe prints it (CRLF, four-space columns), for a few DCV settings. */
const REG_OUTPUT = [
  '',
  `${DCV_REGISTRY_KEY}\\connectivity`,
  '    web-port    REG_DWORD    0x20fb',
  '    enable-quic-frontend    REG_DWORD    0x1',
  '',
  `${DCV_REGISTRY_KEY}\\security`,
  '    auth-token-verifier    REG_SZ    https://director.example.com:8445/v1/verify',
  '    ca-file    REG_EXPAND_SZ    %ProgramData%\\dcvix\\ca.pem',
  '    blob    REG_BINARY    00FF',
  '',
  `${DCV_REGISTRY_KEY}\\session-management`,
  '',
  `${DCV_REGISTRY_KEY}\\session-management\\automatic-console-session`,
  '    owner    REG_SZ    CORP\\alice',
  '',
].join('\r\n');

test('ok: reg query output reads as dcv.conf sections and keys, numbers in decimal, nested keys as a/b', () => {
  expect(parseRegQuery(REG_OUTPUT, DCV_REGISTRY_KEY)).toEqual({
    connectivity: { 'web-port': '8443', 'enable-quic-frontend': '1' },
    security: { 'auth-token-verifier': 'https://director.example.com:8445/v1/verify', 'ca-file': '%ProgramData%\\dcvix\\ca.pem' },
    'session-management/automatic-console-session': { owner: 'CORP\\alice' },
  });
});

test('ok: the exact call; DCV not installed (the key missing) is no settings, another failure is an error', async () => {
  const calls: string[][] = [];
  const answer = (code: number, output: string) => async (argv: readonly string[]) => (calls.push([...argv]), { code, output });
  expect(await readDcvRegistry(answer(0, REG_OUTPUT))).toHaveProperty('connectivity');
  expect(calls).toEqual([['reg', 'query', DCV_REGISTRY_KEY, '/s']]);
  expect(await readDcvRegistry(answer(1, 'ERROR: The system was unable to find the specified registry key or value.'))).toEqual({});
  await expect(readDcvRegistry(answer(5, 'ERROR: Access is denied.'))).rejects.toThrow('failed (exit 5): ERROR: Access is denied.');
});

// The real reg.exe (Windows, or wine in the Windows agent's test run): values written with reg add read back.
test.skipIf(process.platform !== 'win32')('ok: reads what reg add wrote, through the real reg.exe', async () => {
  const root = `HKCU\\Software\\dcvix-test-${process.pid}\\dcv`;
  const add = (key: string, name: string, type: string, data: string) => spawnSystemCommand(['reg', 'add', `${root}\\${key}`, '/v', name, '/t', type, '/d', data, '/f']);
  try {
    expect((await add('connectivity', 'web-port', 'REG_DWORD', '8443')).code).toBe(0);
    expect((await add('session-management\\automatic-console-session', 'owner', 'REG_SZ', 'CORP\\alice')).code).toBe(0);
    const settings = await readDcvRegistry(spawnSystemCommand, root.replace(/^HKCU/, 'HKEY_CURRENT_USER'));
    expect(settings).toEqual({ connectivity: { 'web-port': '8443' }, 'session-management/automatic-console-session': { owner: 'CORP\\alice' } });
  } finally {
    await spawnSystemCommand(['reg', 'delete', root.replace(/\\dcv$/, ''), '/f']);
  }
});

test('ok: as the self-check source ("registry"), the verifier comes from the registry and the check names the key', async () => {
  const source = dcvRegistrySource(async () => ({ code: 0, output: REG_OUTPUT }));
  const check = await new DcvSelfCheck(source, async () => '2024.0 (r18131)').check();
  expect(check).toMatchObject({ source: DCV_REGISTRY_KEY, verifier: 'https://director.example.com:8445/v1/verify' });
  expect(dcvConfigSource(DCV_REGISTRY_SOURCE)?.where).toBe(DCV_REGISTRY_KEY);
  expect(dcvConfigSource('/etc/dcv/dcv.conf')?.where).toBe('/etc/dcv/dcv.conf');
  expect(dcvConfigSource('')).toBeUndefined();
  const missing = dcvRegistrySource(async () => ({ code: 1, output: 'ERROR: The system was unable to find the specified registry key or value.' }));
  expect(await new DcvSelfCheck(missing, async () => '').check()).toMatchObject({ source: DCV_REGISTRY_KEY, readError: expect.stringContaining('DCV Server is not installed') });
});
