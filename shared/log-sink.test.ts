import { expect, test } from 'bun:test';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../tests/helpers/temp.ts';
import { batchedLineWriter, type LineWriter } from './log-sink.ts';

const logSink = join(import.meta.dir, 'log-sink.ts');

/** Runs a child Bun that logs through batchedLineWriter and then ends as `ending` says; returns its stderr. */
async function childStderr(lines: number, ending: string): Promise<{ stderr: string; code: number }> {
  const script = `import { batchedLineWriter } from ${JSON.stringify(logSink)};
const write = batchedLineWriter(2);
for (let index = 0; index < ${lines}; index++) write(JSON.stringify({ msg: 'line', i: index }));
${ending}`;
  const child = Bun.spawn([process.execPath, '-e', script], { stdout: 'ignore', stderr: 'pipe' });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  return { stderr, code };
}

const indexes = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l).i as number);

test('ok: every line arrives, in order, when the process exits in the same turn (process.exit)', async () => {
  const { stderr, code } = await childStderr(50_000, 'process.exit(3);');
  expect(code).toBe(3);
  const seen = indexes(stderr);
  expect(seen.length).toBe(50_000);
  expect(seen.every((value, index) => value === index)).toBe(true);
});

test('ok: lines logged before an uncaught exception are written before the process dies', async () => {
  const { stderr, code } = await childStderr(1_000, "throw new Error('boom');");
  expect(code).not.toBe(0);
  expect(indexes(stderr)).toEqual(Array.from({ length: 1_000 }, (_, index) => index));
  expect(stderr).toContain('boom');
});

test('ok: routine lines are held briefly, never past what the process logs later', async () => {
  const { stderr } = await childStderr(3, "setTimeout(() => { process.stderr.write('later\\n'); }, 50); await Bun.sleep(100);");
  expect(
    stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => (l.startsWith('{') ? JSON.parse(l).i : l)),
  ).toEqual([0, 1, 2, 'later']);
});

/** Runs `body` with a writer into a fresh file and what the file holds so far; the file is closed after. */
async function withFileWriter(holdMs: number, body: (sink: { write: LineWriter; written: () => string }) => Promise<void>): Promise<void> {
  const path = join(tempDir('log-sink'), 'lines.log');
  const fd = openSync(path, 'w');
  try {
    await body({ write: batchedLineWriter(fd, holdMs), written: () => readFileSync(path, 'utf8') });
  } finally {
    closeSync(fd);
  }
}
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test('ok: routine lines of many turns share one write, made once the hold is over', () =>
  withFileWriter(40, async (sink) => {
    for (let index = 0; index < 5; index++) {
      sink.write(`routine ${index}`);
      await nextTurn();
    }
    expect(sink.written()).toBe('');
    await Bun.sleep(80);
    expect(sink.written()).toBe('routine 0\nroutine 1\nroutine 2\nroutine 3\nroutine 4\n');
  }));

test('ok: a warning or error is written at the end of its turn, with the routine lines waiting before it', () =>
  withFileWriter(150, async (sink) => {
    sink.write('routine');
    sink.write('urgent', true);
    expect(sink.written()).toBe('');
    await nextTurn();
    expect(sink.written()).toBe('routine\nurgent\n');
    sink.write('after');
    await nextTurn();
    expect(sink.written()).toBe('routine\nurgent\n');
    // Nothing may wait past the close: the descriptor's number is soon another file's or socket's.
    await Bun.sleep(200);
    expect(sink.written()).toBe('routine\nurgent\nafter\n');
  }));
