import { describe, expect, test } from 'bun:test';
import { StartupSteps } from './startup-steps.ts';

describe('StartupSteps', () => {
  test('ok: each step is its end in ms since the process started, in the order they ended', () => {
    const steps = new StartupSteps();
    steps.mark('config');
    steps.mark('store');
    const marks = steps.toJSON();
    expect(Object.keys(marks)).toEqual(['config', 'store']);
    expect(marks.config).toBeGreaterThan(0);
    expect(marks.store).toBeGreaterThanOrEqual(marks.config!);
    expect(marks.store).toBeLessThanOrEqual(performance.now());
  });
});
