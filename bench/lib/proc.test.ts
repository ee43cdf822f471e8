import { expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { mainThreadWaits } from './proc.ts';

test("mainThreadWaits: this process's main thread, counting up; undefined for a process that is gone", () => {
  if (!existsSync(`/proc/${process.pid}/task/${process.pid}/schedstat`)) return; // a kernel without schedstat
  const first = mainThreadWaits(process.pid)!;
  expect(first.waitMs).toBeGreaterThanOrEqual(0);
  expect(Number.isInteger(first.preempted)).toBe(true);
  const later = mainThreadWaits(process.pid)!;
  expect(later.waitMs).toBeGreaterThanOrEqual(first.waitMs);
  expect(later.preempted).toBeGreaterThanOrEqual(first.preempted);
  expect(mainThreadWaits(2 ** 22 + 1)).toBeUndefined();
});
