import { describe, expect, test } from 'bun:test';
import { addLogContext, createLogger, withLogContext } from './log.ts';

describe('log context', () => {
  test('ok: lines written inside a context carry its fields, across awaits and timers, and only there', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ program: 't' }, 'info', (l) => lines.push(JSON.parse(l)));
    const handle = (id: string) =>
      withLogContext(async () => {
        addLogContext({ requestId: id });
        await Bun.sleep(1);
        log.info('inside', { n: id });
        await new Promise<void>((resolve) => setTimeout(() => (log.info('timer', { n: id }), resolve()), 1));
      });
    await Promise.all([handle('a'), handle('b')]);
    log.info('outside');
    for (const line of lines.filter((l) => l.msg !== 'outside')) expect(line.requestId).toBe(line.n);
    expect(lines.filter((l) => l.requestId).length).toBe(4);
    expect(lines.find((l) => l.msg === 'outside')!.requestId).toBeUndefined();
  });

  test('ok: addLogContext outside a context changes nothing', () => {
    const lines: string[] = [];
    addLogContext({ requestId: 'x' });
    createLogger({}, 'info', (l) => lines.push(l)).info('m');
    expect(JSON.parse(lines[0]!).requestId).toBeUndefined();
  });
});
