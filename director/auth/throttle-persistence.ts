import type { Logger } from '../../shared/log.ts';
import type { ThrottleStore } from './throttle-store.ts';
import { publishKeys, type ChangeFeed } from '../cluster/change-feed.ts';
import { isStoreDown } from '../store/availability.ts';
import { WriteBehind } from '../store/write-behind.ts';
import { ignoredError } from '../../shared/ignored.ts';

/** Change-feed topic: the key is a JSON array of throttle keys just written. */
const THROTTLE_TOPIC = 'throttle';

/** A Map that remembers which keys were set or deleted since the last `takeChanged`. */
export class TrackedMap<V> extends Map<string, V> {
  private changed = new Set<string>();

  override set(key: string, value: V): this {
    this.changed?.add(key); // undefined while Map's constructor runs
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.changed.add(key);
    return super.delete(key);
  }

  /** Marks keys changed again (a write that failed is retried with the next flush). */
  markChanged(keys: string[]): void {
    for (const key of keys) this.changed.add(key);
  }

  takeChanged(): string[] {
    const keys = [...this.changed];
    this.changed = new Set();
    return keys;
  }
}

/**
 * Login throttle failures that survive a restart: the throttle works on a TrackedMap in memory, and
 * every `intervalMs` (1 s) the keys it touched are written in one transaction. Keys are opaque
 * strings, whatever the throttle makes of user and address. A kill -9 can lose the last interval's
 * failures (at most one second); a graceful stop writes everything.
 */
export class ThrottlePersistence {
  readonly failures = new TrackedMap<number[]>();
  private readonly written = new Map<string, string>();
  private readonly behind: WriteBehind;
  private onWritten?: (keys: string[]) => void;

  constructor(
    private readonly store: ThrottleStore,
    private readonly log: Logger,
    intervalMs = 1000,
  ) {
    // The store away: the monitor logs the outage once, and the write is retried every interval.
    this.behind = new WriteBehind(
      () => this.write(),
      intervalMs,
      (error) => (isStoreDown(error) ? log.debug : log.error).call(log, 'login throttle write failed', { error }),
    );
  }

  /** Loads failures newer than `since` (older ones are outside the window); resolves with how many keys. */
  async load(since: number): Promise<number> {
    const entries = await this.store.loadThrottle(since);
    for (const entry of entries) {
      const recent = entry.failures.filter((t) => t >= since);
      this.failures.set(entry.key, recent);
      this.written.set(entry.key, JSON.stringify(recent));
    }
    this.failures.takeChanged();
    return entries.length;
  }

  start(): void {
    this.behind.start();
  }

  /**
   * Several directors on one store: after each write the keys written are named on the feed, and keys
   * named by another director are read back and merged (the union of both directors' failures), so
   * failures through one director count on every other within about a second. A key another director
   * removed (a successful login) is cleared here too.
   */
  follow(feed: ChangeFeed): void {
    this.onWritten = (keys) => publishKeys(feed, THROTTLE_TOPIC, keys);
    feed.subscribe(THROTTLE_TOPIC, (payload) => {
      let keys: string[];
      try {
        keys = (JSON.parse(payload) as unknown[]).filter((k): k is string => typeof k === 'string');
      } catch (error) {
        ignoredError(this.log, 'throttle.notice', 'a throttle notice that is not a JSON list', error, 'warn');
        return;
      }
      void this.store.loadThrottle(0, keys).then(
        (entries) => this.merge(keys, entries),
        (error) => this.log.warn('shared login throttle not read', { error }),
      );
    });
  }

  private merge(keys: string[], entries: { key: string; failures: number[] }[]): void {
    const stored = new Map(entries.map((e) => [e.key, e.failures]));
    for (const key of keys) {
      const theirs = stored.get(key);
      if (!theirs) {
        this.written.delete(key);
        this.failures.delete(key);
        continue;
      }
      const merged = mergeTimes(this.failures.get(key) ?? [], theirs);
      // Remembered as written in the store's form: this director writes back only failures it adds.
      this.written.set(key, JSON.stringify(theirs));
      this.failures.set(key, merged);
    }
  }

  flush(): Promise<void> {
    return this.behind.flush();
  }

  /** Graceful stop: no more timer, everything pending written. */
  stop(): Promise<void> {
    return this.behind.stop();
  }

  private async write(): Promise<void> {
    const keys = this.failures.takeChanged();
    const put = [];
    const removed = [];
    for (const key of keys) {
      const list = this.failures.get(key);
      if (!list) {
        if (this.written.has(key)) removed.push(key);
        continue;
      }
      const body = JSON.stringify(list);
      if (this.written.get(key) !== body) put.push({ key, failures: list.slice() });
    }
    if (put.length === 0 && removed.length === 0) return;
    try {
      await this.store.saveThrottle(put, removed);
    } catch (err) {
      this.failures.markChanged(keys);
      throw err;
    }
    for (const key of removed) this.written.delete(key);
    for (const entry of put) this.written.set(entry.key, JSON.stringify(entry.failures));
    this.onWritten?.([...put.map((e) => e.key), ...removed]);
  }
}

/**
 * The failures both sides know, each counted once: a time appearing n times on one side and m times
 * on the other appears max(n, m) times (two failures in the same millisecond on one director stay two).
 */
function mergeTimes(ours: number[], theirs: number[]): number[] {
  const countTimes = (list: number[]) => list.reduce((counts, time) => counts.set(time, (counts.get(time) ?? 0) + 1), new Map<number, number>());
  const [mine, other] = [countTimes(ours), countTimes(theirs)];
  const merged: number[] = [];
  for (const time of new Set([...mine.keys(), ...other.keys()])) {
    for (let left = Math.max(mine.get(time) ?? 0, other.get(time) ?? 0); left > 0; left--) merged.push(time);
  }
  return merged.sort((x, y) => x - y);
}
