import { expect, test } from 'bun:test';
import { StepLoop } from './step-loop.ts';

/** Runs the loop until it ends (a step returned -1) and returns what each step and each throw saw. */
function runLoop(steps: (() => number)[]): Promise<string[]> {
  const seen: string[] = [];
  return new Promise((resolve) => {
    let index = 0;
    const loop = new StepLoop(
      async () => {
        const next = steps[index++]!();
        seen.push(`step ${index} -> ${next}`);
        if (next < 0) resolve(seen);
        return next;
      },
      (err) => {
        seen.push(`thrown: ${(err as Error).message}`);
        return 1;
      },
    );
    loop.start();
  });
}

test('ok: a step that throws is reported and the loop runs again instead of ending silently', async () => {
  const seen = await runLoop([
    () => {
      throw new Error('disk full');
    },
    () => 1,
    () => -1,
  ]);
  expect(seen).toEqual(['thrown: disk full', 'step 2 -> 1', 'step 3 -> -1']);
});

test('ok: a step whose delay is NaN (a bad date) is reported and retried, not the end of the loop', async () => {
  const seen = await runLoop([() => Number.NaN, () => -1]);
  expect(seen).toEqual(['step 1 -> NaN', 'thrown: the step returned no delay', 'step 2 -> -1']);
});
