/**
 * Runs an async step again and again on one timer: each run returns the delay until the next run, or
 * a negative number to end the loop. At most one run is pending at a time; the timer never keeps the
 * process alive (stop() is what ends the agent's loops). A step that throws does not end the loop
 * (a loop that died silently would stop renewals or updates for good): `onThrow` hears of it and
 * says when to run again.
 */
export class StepLoop {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;

  constructor(
    private readonly step: () => Promise<number>,
    private readonly onThrow: (err: unknown) => number,
  ) {}

  /** True between start() and stop(). */
  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    this.stopped = false;
    this.runIn(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Replaces the pending run by one `delayMs` from now (nothing when stopped). */
  runIn(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      let next: number;
      try {
        next = await this.step();
      } catch (err) {
        next = this.onThrow(err);
      }
      // NaN (a step that computed its delay from a bad date) would end the loop silently: retry instead.
      if (Number.isNaN(next)) next = this.onThrow(new Error('the step returned no delay'));
      // setTimeout caps at ~24.8 days; every loop here runs well before that.
      if (next >= 0) this.runIn(Math.min(Math.max(next, 1), 2 ** 31 - 1));
    }, delayMs);
    this.timer.unref?.();
  }
}
