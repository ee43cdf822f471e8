/**
 * The timer behind a write-behind cache: runs `write` every `intervalMs` and on `flush()`, never two
 * at once (a flush waits for the write in progress, then runs its own). `stop()` ends the timer and
 * writes what is left. A failed timed write is reported to `onError`; the writer keeps its changes
 * for the next round.
 */
export class WriteBehind {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(this.onError), this.intervalMs);
    this.timer.unref?.();
  }

  flush(): Promise<void> {
    // The previous write's error went to its own caller (or onError); this one only waits for it.
    this.running = this.running.catch(() => undefined).then(() => this.write());
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
