import { expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { mainThreadWaits, memoryMb, settledRss } from './proc.ts';

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

test('settledRss: the lowest reading over the window, one at the mark, and the peak, for this process', async () => {
  const before = memoryMb(process.pid);
  const settled = await settledRss(process.pid, 120, { everyMs: 20, markMs: 60 });
  expect(settled.lowest).toBeGreaterThan(0);
  expect(settled.lowest).toBeLessThanOrEqual(settled.atMark);
  expect(settled.atMark).toBeLessThanOrEqual(settled.peak);
  // The kernel's high-water mark never falls, so it bounds the peak from below.
  expect(settled.peak).toBeGreaterThanOrEqual(before.peak);
});
