import { describe, expect, test } from 'bun:test';
import { SCREENSHOT_MAX_BYTES } from '../../shared/api/screenshot.ts';
import { ApiError } from '../../shared/errors.ts';
import { simulatedPng } from '../../tests/fixtures/sim-png.ts';
import { DcvClient, DcvError } from './commands.ts';
import type { DcvResult, DcvRunner } from './runner.ts';

/** Records argv and answers with canned results. */
class FakeRunner implements DcvRunner {
  calls: string[][] = [];
  constructor(private readonly reply: (args: string[]) => DcvResult = () => ({ code: 0, stdout: '', stderr: '' })) {}
  async run(args: string[]): Promise<DcvResult> {
    this.calls.push(args);
    return this.reply(args);
  }
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a rejection');
}

describe('DcvClient argv', () => {
  test('ok: create-session, minimal and full', async () => {
    const runner = new FakeRunner();
    const dcv = new DcvClient(runner);
    await dcv.createSession({ id: 'test', owner: 'john', type: 'console' });
    await dcv.createSession({ id: 'v1', owner: 'alice', type: 'virtual', name: 'My desk', permissionsFile: '/etc/dcv/a.perm' });
    expect(runner.calls).toEqual([
      ['create-session', '--type', 'console', '--owner', 'john', 'test'],
      ['create-session', '--type', 'virtual', '--owner', 'alice', '--name', 'My desk', '--permissions-file', '/etc/dcv/a.perm', 'v1'],
    ]);
  });

  test('ok: create-session with launch settings, each its own option after the others, in a fixed order', async () => {
    const runner = new FakeRunner();
    await new DcvClient(runner).createSession({ id: 'v2', owner: 'alice', type: 'virtual', gl: 'off', maxConcurrentClients: 2, init: '/opt/dcv/init eng.sh', storageRoot: '/srv/storage' });
    expect(runner.calls).toEqual([
      ['create-session', '--type', 'virtual', '--owner', 'alice', '--storage-root', '/srv/storage', '--init', '/opt/dcv/init eng.sh', '--gl', 'off', '--max-concurrent-clients', '2', 'v2'],
    ]);
  });

  test('ok: set-permissions by absolute file; rejects: a relative file or a bad id, before dcv runs', async () => {
    const runner = new FakeRunner();
    const dcv = new DcvClient(runner);
    await dcv.setPermissions('s1', '/tmp/dcvix-permissions-x/session.perm');
    expect((await rejection(dcv.setPermissions('s1', 'session.perm'))).code).toBe('INVALID_PERMISSIONS_FILE');
    expect((await rejection(dcv.setPermissions('-rf', '/tmp/x.perm'))).code).toBe('INVALID_SESSION_ID');
    expect(runner.calls).toEqual([['set-permissions', '--session', 's1', '--file', '/tmp/dcvix-permissions-x/session.perm']]);
  });

  test('ok: list, close, set-config', async () => {
    const runner = new FakeRunner((a) => ({ code: 0, stdout: a[0] === 'list-sessions' ? '[{"id":"s1","owner":"a","type":"virtual"}]' : '', stderr: '' }));
    const dcv = new DcvClient(runner);
    expect((await dcv.listSessions()).map((s) => s.id)).toEqual(['s1']);
    await dcv.closeSession('s1');
    await dcv.setConfig('display', 'quality', '(30,80)');
    await dcv.setConfig('log', 'level', "'debug'");
    expect(runner.calls).toEqual([
      ['list-sessions', '--json'],
      ['close-session', 's1'],
      ['set-config', '--section', 'display', '--key', 'quality', '(30,80)'],
      ['set-config', '--section', 'log', '--key', 'level', "'debug'"],
    ]);
  });

  test('rejects: unsafe arguments before anything is spawned', async () => {
    const runner = new FakeRunner();
    const dcv = new DcvClient(runner);
    const ok = { id: 's', owner: 'john', type: 'virtual' as const };
    expect((await rejection(dcv.createSession({ ...ok, id: '--help' }))).code).toBe('INVALID_SESSION_ID');
    expect((await rejection(dcv.createSession({ ...ok, id: 'a;rm -rf /' }))).code).toBe('INVALID_SESSION_ID');
    expect((await rejection(dcv.createSession({ ...ok, owner: '-root' }))).code).toBe('INVALID_USER');
    expect((await rejection(dcv.createSession({ ...ok, type: 'shell' as 'virtual' }))).code).toBe('INVALID_SESSION_TYPE');
    expect((await rejection(dcv.createSession({ ...ok, name: '--gl=off' }))).code).toBe('INVALID_SESSION_NAME');
    expect((await rejection(dcv.createSession({ ...ok, name: 'a\nb' }))).code).toBe('INVALID_SESSION_NAME');
    expect((await rejection(dcv.createSession({ ...ok, permissionsFile: 'rel.perm' }))).code).toBe('INVALID_PERMISSIONS_FILE');
    expect((await rejection(dcv.createSession({ ...ok, init: 'init.sh' }))).code).toBe('INVALID_INIT');
    expect((await rejection(dcv.createSession({ ...ok, init: '--init=/x' }))).code).toBe('INVALID_INIT');
    expect((await rejection(dcv.createSession({ ...ok, storageRoot: '/srv/a\nb' }))).code).toBe('INVALID_STORAGE_ROOT');
    expect((await rejection(dcv.createSession({ ...ok, gl: 'yes' as 'on' }))).code).toBe('INVALID_GL');
    expect((await rejection(dcv.createSession({ ...ok, maxConcurrentClients: 0 }))).code).toBe('INVALID_MAX_CONCURRENT_CLIENTS');
    expect((await rejection(dcv.createSession({ ...ok, maxConcurrentClients: 1.5 }))).code).toBe('INVALID_MAX_CONCURRENT_CLIENTS');
    expect((await rejection(dcv.closeSession('../x'))).code).toBe('INVALID_SESSION_ID');
    expect((await rejection(dcv.setConfig('display', 'quality', '--x'))).code).toBe('INVALID_CONFIG');
    expect((await rejection(dcv.setConfig('display\n', 'quality', '1'))).code).toBe('INVALID_CONFIG');
    expect(runner.calls).toEqual([]);
  });

  test('rejects: non-zero exit becomes DcvError 502 DCV_FAILED with dcv text', async () => {
    const dcv = new DcvClient(new FakeRunner(() => ({ code: 1, stdout: '', stderr: 'All licenses in use\n' })));
    const err = await rejection(dcv.createSession({ id: 's', owner: 'john', type: 'virtual' }));
    expect(err).toBeInstanceOf(DcvError);
    expect(err.status).toBe(502);
    expect(err.code).toBe('DCV_FAILED');
    expect(err.message).toContain('All licenses in use');
  });

  test('rejects: error text is one bounded line', async () => {
    const noisy = `first\nsecond\u001b[31m\n${'x'.repeat(5000)}`;
    const dcv = new DcvClient(new FakeRunner(() => ({ code: 3, stdout: noisy, stderr: 'tail' })));
    const err = await rejection(dcv.closeSession('s'));
    expect(err.message).not.toContain('\n');
    expect(err.message).not.toContain('\u001b');
    expect(err.message.length).toBeLessThan(600);
    expect(err.message).toContain('first | second');
  });

  test('rejects: list-sessions output that is not JSON', async () => {
    const dcv = new DcvClient(new FakeRunner(() => ({ code: 0, stdout: "Session: 'x' (owner:a)", stderr: '' })));
    const err = await rejection(dcv.listSessions());
    expect(err.status).toBe(502);
    expect(err.code).toBe('DCV_BAD_OUTPUT');
  });

  test('ok: get-screenshot runs the documented command line and hands back the PNG', async () => {
    const png = simulatedPng(16, 9);
    const runner = new FakeRunner(() => ({ code: 0, stdout: JSON.stringify({ format: 'png', data: Buffer.from(png).toString('base64') }), stderr: '' }));
    expect([...(await new DcvClient(runner).getScreenshot('alice-1', { width: 160, height: 100 }))]).toEqual([...png]);
    expect(runner.calls).toEqual([['get-screenshot', '--max-width', '160', '--max-height', '100', '--format', 'PNG', '--json', 'alice-1']]);
  });

  test('rejects: get-screenshot with a bad id or size before spawning; output without a PNG is DCV_BAD_OUTPUT', async () => {
    const quiet = new FakeRunner();
    const dcv = new DcvClient(quiet);
    expect((await rejection(dcv.getScreenshot('--help', { width: 160, height: 100 }))).code).toBe('INVALID_SESSION_ID');
    expect((await rejection(dcv.getScreenshot('s', { width: 15, height: 100 }))).code).toBe('INVALID_SCREENSHOT_SIZE');
    expect((await rejection(dcv.getScreenshot('s', { width: 160, height: 100.5 }))).code).toBe('INVALID_SCREENSHOT_SIZE');
    expect(quiet.calls).toEqual([]);
    const printing = (stdout: string) => new DcvClient(new FakeRunner(() => ({ code: 0, stdout, stderr: '' })));
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]).toString('base64');
    const big = Buffer.concat([Buffer.from(simulatedPng(1, 1)), Buffer.alloc(SCREENSHOT_MAX_BYTES)]).toString('base64');
    for (const stdout of ['', 'Screenshot saved', '{"data": 5}', JSON.stringify({ data: jpeg }), JSON.stringify({ data: big })]) {
      const err = await rejection(printing(stdout).getScreenshot('s', { width: 160, height: 100 }));
      expect({ stdout: stdout.slice(0, 30), status: err.status, code: err.code }).toEqual({ stdout: stdout.slice(0, 30), status: 502, code: 'DCV_BAD_OUTPUT' });
    }
  });
});

describe('dcv version', () => {
  test('ok: the version and build of Amazon DCV and of the older NICE DCV banner', async () => {
    const banner = (text: string) => new DcvClient(new FakeRunner(() => ({ code: 0, stdout: text, stderr: '' })));
    expect(await banner('\nAmazon DCV 2024.0 (r18131)\nCopyright (C) 2010-2024 Amazon.com, Inc.\n').version()).toBe('2024.0 (r18131)');
    expect(await banner('NICE DCV 2022.2 (r14521)\n').version()).toBe('2022.2 (r14521)');
  });

  test('rejects: output without a version -> 502 DCV_BAD_OUTPUT', async () => {
    const err = await rejection(new DcvClient(new FakeRunner(() => ({ code: 0, stdout: 'hello', stderr: '' }))).version());
    expect([err.status, err.code]).toEqual([502, 'DCV_BAD_OUTPUT']);
  });
});
