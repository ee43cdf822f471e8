import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';

/** The fleet figures sampled once a minute. */
export interface FleetSample {
  /** Live sessions on active hosts. */
  sessions: number;
  /** Hosts online and healthy. */
  healthyHosts: number;
  /** Active hosts known. */
  hosts: number;
}

const SERIES = ['sessions', 'healthyHosts', 'hosts'] as const satisfies readonly (keyof FleetSample)[];

export const SAMPLE_EVERY_MS = 60_000;
/** 24 hours of samples. */
export const SAMPLES_KEPT = 1_440;
/** How often the timer looks whether a new minute began (a sample is taken once per minute). */
const CHECK_EVERY_MS = 10_000;

/** The samples held, oldest first, as columns (times in Unix seconds, as charts take them). */
export interface FleetSeries {
  times: number[];
  sessions: number[];
  healthyHosts: number[];
  hosts: number[];
}

/**
 * The last 24 hours of fleet figures of this director, in memory only (no store writes): a ring of
 * 1,440 samples, one per minute of the clock, stamped with the minute. `tick()` takes a sample when
 * a minute began since the last one; a timer calls it, tests call it after moving a fake clock.
 * Minutes the process did not run (or the clock skipped) are simply missing. Each director keeps its
 * own; the history starts when the director starts.
 */
export class FleetHistory {
  private readonly times: Float64Array;
  private readonly columns: Record<keyof FleetSample, Int32Array>;
  /** Where the next sample goes. */
  private next = 0;
  private held = 0;
  private lastMinute = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly read: () => FleetSample,
    private readonly log?: Logger,
    private readonly size = SAMPLES_KEPT,
  ) {
    this.times = new Float64Array(size);
    this.columns = { sessions: new Int32Array(size), healthyHosts: new Int32Array(size), hosts: new Int32Array(size) };
  }

  /** Takes a sample if a new minute began since the last one; true when it did. */
  tick(): boolean {
    const minute = Math.floor(this.clock.now() / SAMPLE_EVERY_MS) * SAMPLE_EVERY_MS;
    // A clock set back waits until it passes the last sample again: times stay in order.
    if (minute <= this.lastMinute) return false;
    const sample = this.read();
    this.lastMinute = minute;
    this.times[this.next] = minute / 1000;
    for (const name of SERIES) this.columns[name][this.next] = sample[name];
    this.next = (this.next + 1) % this.size;
    this.held = Math.min(this.held + 1, this.size);
    return true;
  }

  /** Every sample held, oldest first. */
  series(): FleetSeries {
    const first = (this.next - this.held + this.size) % this.size;
    const column = (values: Float64Array | Int32Array) => Array.from({ length: this.held }, (_, index) => values[(first + index) % this.size]!);
    return { times: column(this.times), sessions: column(this.columns.sessions), healthyHosts: column(this.columns.healthyHosts), hosts: column(this.columns.hosts) };
  }

  /** Samples now, then each minute until stop(). */
  start(): void {
    this.safeTick();
    this.timer = setInterval(() => this.safeTick(), CHECK_EVERY_MS);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private safeTick(): void {
    try {
      this.tick();
    } catch (error) {
      // A sample that could not be read is a missing minute, not a stopped history.
      this.log?.warn('fleet overview sample failed; the next minute tries again', { error });
    }
  }
}
