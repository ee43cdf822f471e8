import { expect, test } from 'bun:test';
import { createLogger } from './log.ts';
import { ignoredError, ignoredErrorCounts } from './ignored.ts';

test('ok: an error let go is logged with its site and reason, and counted by site', () => {
  const lines: string[] = [];
  const log = createLogger({}, 'debug', (line) => lines.push(line));
  const before = ignoredErrorCounts().get('test.site') ?? 0;
  ignoredError(log, 'test.site', 'the next tick tries again', new Error('store away'), 'warn');
  expect(ignoredErrorCounts().get('test.site')).toBe(before + 1);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', msg: 'error let go: the next tick tries again', site: 'test.site', error: { message: 'store away' } });
});
