import { expect, test } from 'bun:test';
import { GroupCommit } from './group-commit.ts';

test('ok: callers of one turn go together; those arriving while a batch is written go together in the next; answers keep their order', async () => {
  const batches: number[][] = [];
  let release: () => void = () => {};
  const group = new GroupCommit<number, string>(async (items) => {
    batches.push(items);
    if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    return items.map((n) => `#${n}`);
  });
  const first = [0, 1].map((n) => group.submit(n));
  await new Promise((resolve) => setImmediate(resolve));
  const rest = [2, 3, 4].map((n) => group.submit(n));
  expect(group.waiting).toBe(3);
  release();
  expect(await Promise.all([...first, ...rest])).toEqual(['#0', '#1', '#2', '#3', '#4']);
  expect(batches).toEqual([
    [0, 1],
    [2, 3, 4],
  ]);
});

test('rejects: a failed batch fails its own callers only; the next batch is written', async () => {
  let calls = 0;
  const group = new GroupCommit<number, number>(async (items) => {
    calls++;
    if (items.includes(13)) throw new Error('store away');
    return items;
  });
  const bad = group.submit(13);
  await expect(bad).rejects.toThrow('store away');
  expect(await group.submit(7)).toBe(7);
  expect(calls).toBe(2);
});
