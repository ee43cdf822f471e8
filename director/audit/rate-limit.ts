import type { Clock } from '../../shared/clock.ts';
import type { AuditEvent, AuditLog } from './types.ts';

/** The window each key's count runs over. */
const WINDOW_MS = 60_000;
/** How often windows that ended are looked for (their summary is at most this late). */
const SWEEP_MS = 10_000;
/** Keys followed at most; beyond them, new keys share one per type and outcome. */
const DEFAULT_MAX_KEYS = 1000;
/** Key fields are cut to this: the key only has to tell events apart, and its size stays bounded. */
const KEY_FIELD_MAX = 128;

interface Window {
  start: number;
  kept: number;
  suppressed: number;
  /** When the last event left out came. */
  lastSuppressed: number;
  /** The first event of the window: the summary names its type, outcome, actor, target and address. */
  first: AuditEvent;
  /** True for the shared key of new keys past the limit. */
  overflow: boolean;
}

export interface RateLimitedAuditOptions {
  audit: AuditLog;
  clock: Clock;
  /** Events kept per key and minute. */
  perMinute: number;
  maxKeys?: number;
}

const keyOf = (event: AuditEvent) => [event.type, event.outcome, event.actor ?? '', event.target ?? '', event.clientAddress ?? ''].map((field) => field.slice(0, KEY_FIELD_MAX)).join('\u0000');

/**
 * An audit log in front of another that keeps at most `perMinute` events a minute per key (type,
 * outcome, actor, target, client address): a flood of the same event (bad tokens against one session,
 * say) cannot drown the log or load the store. What is left out is counted, and when the key's minute
 * is over one summary event says how many ("suppressed K similar events"), with the same type, outcome
 * and fields. Each call costs a key, a map lookup and, for an event kept, an enqueue in the log below.
 * At most `maxKeys` keys are followed; past that, new keys share one per type and outcome, so a flood of
 * ever new targets or addresses is bounded too. start() begins the sweep that writes summaries for
 * keys that went quiet; stop() writes the summaries still open.
 */
export class RateLimitedAudit {
  private readonly windows = new Map<string, Window>();
  private readonly maxKeys: number;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: RateLimitedAuditOptions) {
    if (!Number.isInteger(options.perMinute) || options.perMinute < 1) throw new RangeError('perMinute must be a whole number of at least 1');
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /**
   * Records the event unless its key is over the limit. `describe`, when given, makes the event's detail
   * and runs only for an event that is kept (so a flood does no work for what it throws away).
   */
  record(event: AuditEvent, describe?: () => string): void {
    const now = this.options.clock.now();
    let key = keyOf(event);
    let window = this.current(key, now);
    if (!window && this.windows.size >= this.maxKeys) {
      key = `${event.type}\u0000${event.outcome}\u0000*`;
      window = this.current(key, now);
    }
    if (!window) {
      window = { start: now, kept: 0, suppressed: 0, lastSuppressed: now, first: event, overflow: key.endsWith('\u0000*') };
      this.windows.set(key, window);
    }
    if (window.kept >= this.options.perMinute) {
      window.suppressed++;
      window.lastSuppressed = now;
      return;
    }
    window.kept++;
    this.options.audit.record(describe ? { ...event, detail: describe() } : event);
  }

  /** Ends every window older than a minute (a summary for each that left events out). */
  sweep(): void {
    const now = this.options.clock.now();
    for (const [key, window] of this.windows) if (now - window.start >= WINDOW_MS) this.end(key, window);
  }

  start(): void {
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref?.();
  }

  /** Stops the sweep and writes the summaries of every window still open. */
  stop(): void {
    clearInterval(this.timer);
    for (const [key, window] of this.windows) this.end(key, window);
  }

  /** The key's window while its minute runs; one that is over is ended first. */
  private current(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (!window || now - window.start < WINDOW_MS) return window;
    this.end(key, window);
    return undefined;
  }

  private end(key: string, window: Window): void {
    this.windows.delete(key);
    if (!window.suppressed) return;
    const { type, outcome, actor, target, clientAddress } = window.first;
    const iso = (at: number) => new Date(at).toISOString();
    const others = window.overflow ? ' (many targets and addresses)' : '';
    this.options.audit.record({
      type,
      outcome,
      ...(window.overflow ? {} : { actor, target, clientAddress }),
      detail: `suppressed ${window.suppressed} similar events${others} from ${iso(window.start)} to ${iso(window.lastSuppressed)}: more than ${this.options.perMinute} a minute`,
    });
  }
}
