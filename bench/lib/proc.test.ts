import { expect, test } from 'bun:test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../scripts/lib/temp.ts';
import { mainThreadWaits, memoryMb, runLoad, settledRss } from './proc.ts';

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

test('runLoad: arguments longer than one argv string may be reach the load script whole (through a file)', async () => {
  const script = join(tempDir('dcvix-bench-echo-'), 'echo.ts');
  writeFileSync(script, `import { loadArgs, reply } from ${JSON.stringify(join(import.meta.dir, 'proc.ts'))};\nawait reply(loadArgs());\n`);
  const small = { items: ['a', 'b'] };
  // 200 KB of JSON: past Linux's 128 KiB limit on a single argument (E2BIG when passed inline).
  const large = { items: Array.from({ length: 2000 }, (_, i) => `${i}:${'x'.repeat(100)}`) };
  expect(await runLoad(script, small)).toEqual(small);
  expect(await runLoad(script, large)).toEqual(large);
});
