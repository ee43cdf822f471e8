import { describe, expect, test } from 'bun:test';
import { withRequestId } from './http/request-context.ts';
import { createLogger } from './log.ts';

describe('log lines carry the request id', () => {
  test('ok: lines written while a request is handled carry its id, across awaits and timers, and only there', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ program: 't' }, 'info', (l) => lines.push(JSON.parse(l)));
    const handle = (id: string) =>
      withRequestId(new Request('http://localhost/', { headers: { 'x-request-id': id } }), true, async () => {
        await Bun.sleep(1);
        log.info('inside', { n: id });
        await new Promise<void>((resolve) => setTimeout(() => (log.info('timer', { n: id }), resolve()), 1));
      });
    await Promise.all([handle('req-a'), handle('req-b')]);
    log.info('outside');
    for (const line of lines.filter((l) => l.msg !== 'outside')) expect(line.requestId).toBe(line.n);
    expect(lines.filter((l) => l.requestId).length).toBe(4);
    expect(lines.find((l) => l.msg === 'outside')!.requestId).toBeUndefined();
  });
});
