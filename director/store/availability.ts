import type { SQL } from 'bun';
import { ApiError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';

/** True for errors that mean "the store cannot be reached", as opposed to a bad statement. */
export function isStoreDown(err: unknown): boolean {
  const failure = err as { code?: unknown; errno?: unknown } | undefined;
  const code = typeof failure?.code === 'string' ? failure.code : '';
  const state = typeof failure?.errno === 'string' ? failure.errno : '';
  // Bun's client: ERR_POSTGRES_CONNECTION_{REFUSED,CLOSED,TIMEOUT}, idle/lifetime timeouts; server side:
  // class 08 (connection exception) and 57P01-57P03 (shutting down, cannot connect now).
  return /^ERR_POSTGRES_(CONNECTION|.*TIMEOUT)/.test(code) || /^(08|57P0[123])/.test(state) || /^(08|57P0[123])/.test(code);
}

export const storeUnavailable = () => new ApiError(503, 'STORE_UNAVAILABLE', 'the director cannot reach its store right now; try again shortly', undefined, { 'retry-after': '5' });

/**
 * Wraps every method of a store: an unreachable store becomes 503 STORE_UNAVAILABLE (and is reported
 * to `onDown`, so the monitor checks at once); other errors pass unchanged.
 */
export function guardStore<T extends object>(store: T, onDown: () => void): T {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (err) {
          if (!isStoreDown(err)) throw err;
          onDown();
          throw storeUnavailable();
        }
      };
    },
  });
}

/**
 * Watches the store: a probe every `intervalMs` (and at once when a store call failed). Logs both
 * edges, "store unreachable" and "store reachable again"; `onRecovered` lets caches resynchronise
 * (changes announced while the store was away were missed).
 */
export class StoreMonitor {
  private up = true;
  private since = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private probing = false;

  constructor(
    private readonly sql: SQL,
    private readonly log: Logger,
    private readonly onRecovered: () => void,
    private readonly intervalMs = 1000,
  ) {}

  get available(): boolean {
    return this.up;
  }

  start(): void {
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A store call failed: mark down now and let the next probe find the way back. */
  reportDown(): void {
    if (this.up) this.edge(false, 'a store call failed');
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await this.sql`SELECT 1`;
      if (!this.up) this.edge(true);
    } catch (err) {
      if (this.up) this.edge(false, (err as Error).message);
    } finally {
      this.probing = false;
    }
  }

  private edge(up: boolean, why?: string): void {
    const lastedMs = Date.now() - this.since;
    this.up = up;
    this.since = Date.now();
    if (up) {
      this.log.info('store reachable again', { downMs: lastedMs });
      this.onRecovered();
    } else {
      this.log.error('store unreachable; serving from memory, refusing writes with 503', { why });
    }
  }
}
