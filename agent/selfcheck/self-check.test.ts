import { describe, expect, test } from 'bun:test';
import { parseDcvConf, type DcvConfigSource } from './dcv-conf.ts';
import { DcvSelfCheck } from './self-check.ts';

const source = (text: string | Error): DcvConfigSource => ({
  where: '/etc/dcv/dcv.conf',
  read: async () => {
    if (text instanceof Error) throw text;
    return parseDcvConf(text);
  },
});

describe('DCV self-check', () => {
  test('ok: the verifier and the version; the version is asked once within the hour', async () => {
    let asked = 0;
    let now = 0;
    const check = new DcvSelfCheck(
      source('[security]\nauth-token-verifier="http://old-broker:8444"\n'),
      async () => `2024.0 (r${++asked})`,
      () => now,
    );
    expect(await check.check()).toEqual({ source: '/etc/dcv/dcv.conf', verifier: 'http://old-broker:8444', dcvVersion: '2024.0 (r1)' });
    now = 3_599_999;
    expect((await check.check()).dcvVersion).toBe('2024.0 (r1)');
    now = 3_600_000;
    expect((await check.check()).dcvVersion).toBe('2024.0 (r2)');
  });

  test('ok: no verifier set, dcv not answering: both left out', async () => {
    const check = new DcvSelfCheck(source('[security]\n'), () => Promise.reject(new Error('no dcv')));
    expect(await check.check()).toEqual({ source: '/etc/dcv/dcv.conf' });
  });

  test('rejects: unreadable settings are reported as such, on one line', async () => {
    const check = new DcvSelfCheck(source(new Error("EACCES: permission denied,\nopen '/etc/dcv/dcv.conf'")), async () => '2024.0');
    expect(await check.check()).toEqual({ source: '/etc/dcv/dcv.conf', readError: "EACCES: permission denied, open '/etc/dcv/dcv.conf'", dcvVersion: '2024.0' });
  });
});
