import { describe, expect, spyOn, test } from 'bun:test';
import { directorCommands } from './dispatch.ts';

/** Runs argv through the dispatcher with console output caught. */
async function dispatch(argv: string[]) {
  const out = spyOn(console, 'log').mockImplementation(() => {});
  const err = spyOn(console, 'error').mockImplementation(() => {});
  try {
    const code = await directorCommands.run(argv);
    return { code, out: out.mock.calls.flat().join('\n'), err: err.mock.calls.flat().join('\n') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('dcvix-director subcommands', () => {
  test('ok: the director itself runs when argv names no command (options first, or nothing)', async () => {
    for (const argv of [[], ['--config', '/etc/dcvix/dcvix-director.conf'], ['--help'], ['-c', 'x.conf']]) expect((await dispatch(argv)).code).toBeUndefined();
  });

  test('ok: --help anywhere after the words prints that command usage', async () => {
    const help = await dispatch(['policy', 'import', '--config', 'x.conf', '--help']);
    expect([help.code, help.out]).toEqual([0, expect.stringContaining('usage: dcvix-director policy import [--config FILE] FILE...')]);
  });

  test('rejects: an unknown command or missing arguments exit 2 with the usage; a missing config file named by --config too', async () => {
    const unknown = await dispatch(['policy', 'frobnicate']);
    expect([unknown.code, unknown.err]).toEqual([2, expect.stringContaining('unknown command: policy frobnicate')]);
    expect(unknown.err).toContain('dcvix-director policy export [--config FILE] [--out DIR]');
    const noFiles = await dispatch(['policy', 'import']);
    expect([noFiles.code, noFiles.err]).toEqual([2, expect.stringContaining('name at least one file')]);
    const noConfig = await dispatch(['policy', 'export', '--config']);
    expect([noConfig.code, noConfig.err]).toEqual([2, expect.stringContaining('--config needs a file')]);
    const stray = await dispatch(['policy', 'export', '--config=/nonexistent/dcvix-director.conf', 'extra']);
    expect([stray.code, stray.err]).toEqual([2, expect.stringContaining('unexpected argument: extra')]);
    const missing = await dispatch(['policy', 'export', '--config=/nonexistent/dcvix-director.conf']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('/nonexistent/dcvix-director.conf');
  });
});
