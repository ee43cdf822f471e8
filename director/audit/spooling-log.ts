import { AsyncResource } from 'node:async_hooks';
import type { Clock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { isStoreDown } from '../store/availability.ts';
import { auditPage, listAudit, recordedEvent, type AuditStamp } from './log.ts';
import type { AuditSpool } from './spool-file.ts';
import type { AuditEvent, AuditFilter, AuditStore, PagedAuditLog, RecordedAuditEvent } from './types.ts';

/** Where the spooling log reports what it did with events (metrics); each call says how many. */
export interface AuditSpoolCounters {
  spooled(count: number): void;
  replayed(count: number): void;
  /** `store_refused`: the store rejected the event itself; `spool_failed`: the spool file could not be written; `bad_spool_line`: a spool line was not an event. */
  dropped(reason: 'store_refused' | 'spool_failed' | 'bad_spool_line', count: number): void;
}

export interface SpoolingAuditLogOptions {
  store: AuditStore;
  spool: AuditSpool;
  clock: Clock;
  log: Logger;
  /** False while the store is known to be away (the store monitor): no replay is tried meanwhile. */
  isAvailable?: () => boolean;
  counters?: AuditSpoolCounters;
  /** Applied to each event as it is recorded (the hash chain, the exports); default: none. */
  stamp?: AuditStamp;
  /** Events per INSERT (default 500). */
  batchSize?: number;
  /** First wait before a replay is tried again (default 1 s); doubled after each failed try up to `maxRetryMs` (30 s). */
  retryMs?: number;
  maxRetryMs?: number;
}

/** The audit log that survives an absent store; close() at stop puts whatever is still in memory into the spool. */
export interface SpoolingAuditLog extends PagedAuditLog {
  /** Resolves once no write or replay runs and nothing waits in memory (the spool may still hold events). */
  settled(): Promise<void>;
  /** Graceful stop: waits up to `graceMs` for the write in flight, then spools what is not yet stored. */
  close(graceMs?: number): Promise<void>;
}

const noCounters: AuditSpoolCounters = { spooled: () => {}, replayed: () => {}, dropped: () => {} };

/** The store cannot be reached: the client's own error, or the 503 a guarded store turns it into. */
const unreachable = (err: unknown) => isStoreDown(err) || (err instanceof ApiError && err.code === 'STORE_UNAVAILABLE');

/**
 * The AuditLog over a store that can be away (PostgreSQL). record() stamps the event (id, time) and
 * queues it; one writer drains the queue in order, a batch per INSERT. When a write finds the store
 * unreachable, everything not yet stored goes to the spool file, and so does every event recorded after
 * it (appended and fsync'd before record() returns) until a replay has put the whole spool into the
 * store, in order; the store skips event ids it already holds, so a replay cut short and tried again
 * stores each event once. Only then is the spool emptied and the queue used again. An event the store
 * refuses for another reason is logged and dropped, so it cannot hold up the others. list() and page()
 * read the store as before (503 while it is away).
 */
export function createSpoolingAuditLog(options: SpoolingAuditLogOptions): SpoolingAuditLog {
  return new SpoolingPipeline(options);
}

class SpoolingPipeline implements SpoolingAuditLog {
  private readonly store: AuditStore;
  private readonly spool: AuditSpool;
  private readonly log: Logger;
  private readonly counters: AuditSpoolCounters;
  private readonly isAvailable: () => boolean;
  private readonly batchSize: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private queue: RecordedAuditEvent[] = [];
  /** True from the first unreachable write until a replay emptied the spool: new events go to the spool. */
  private spooling = false;
  private busy = false;
  private task: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private nextRetryMs: number;
  private closed = false;
  /** Spool bytes already counted as replayed or bad (a replay tried again re-sends, but does not count twice). */
  private countedTo = 0;
  private spooledSinceReplay = 0;

  constructor(private readonly options: SpoolingAuditLogOptions) {
    this.store = options.store;
    this.spool = options.spool;
    this.log = options.log;
    this.counters = options.counters ?? noCounters;
    this.isAvailable = options.isAvailable ?? (() => true);
    this.batchSize = options.batchSize ?? 500;
    this.retryMs = options.retryMs ?? 1000;
    this.maxRetryMs = options.maxRetryMs ?? 30_000;
    this.nextRetryMs = this.retryMs;
    if (this.spool.hasEvents()) {
      // Left by an earlier run: replayed in the background (start-up does not wait for the store).
      this.spooling = true;
      this.log.info('audit spool holds events from before; replaying them', { spool: this.spool.path });
      this.scheduleReplay(0);
    }
  }

  record(entry: AuditEvent): void {
    const recorded = recordedEvent(entry, this.options.clock);
    const event = this.options.stamp ? this.options.stamp(recorded) : recorded;
    if (this.spooling || this.closed) this.toSpool([event]);
    else {
      this.queue.push(event);
      if (!this.busy) this.run(() => this.drain());
    }
  }

  list(filter?: AuditFilter) {
    return listAudit(this.store, filter);
  }

  page(filter?: AuditFilter) {
    return auditPage(this.store, filter);
  }

  async settled(): Promise<void> {
    while (this.busy) await this.task;
  }

  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    let timeout: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.settled(), new Promise<void>((resolve) => (timeout = setTimeout(resolve, graceMs)))]);
    clearTimeout(timeout);
    if (!this.queue.length) return;
    // A write still in flight may yet commit: its events are spooled too, and the replay skips their ids.
    const left = this.queue;
    this.queue = [];
    this.spooling = true;
    this.log.warn('audit events not yet stored at stop: spooled for the next start', { events: left.length, spool: this.spool.path });
    this.toSpool(left);
  }

  /** Starts tasks in the context the log was made in: the writer works for no request in particular (its log lines name none). */
  private readonly detached = AsyncResource.bind((task: () => Promise<void>) => task());

  /** Runs the one writer task (a drain or a replay); events queued while it finished start the next. */
  private run(task: () => Promise<void>): void {
    this.busy = true;
    this.task = this.detached(task).catch((error) => {
      // Only the spool file itself can fail here (unreadable, say): keep it and try again later.
      this.log.error('audit spool replay failed', { error, spool: this.spool.path });
      this.scheduleReplay(this.maxRetryMs);
    });
    this.task = this.task.finally(() => {
      this.busy = false;
      if (!this.spooling && !this.closed && this.queue.length) this.run(() => this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (!this.spooling && this.queue.length) {
      const batch = this.queue.slice(0, this.batchSize);
      if (await this.write(batch)) this.queue.splice(0, batch.length);
      else this.startSpooling();
    }
  }

  /** The store is away: what waits in memory goes to the spool, in order, and so will everything after it. */
  private startSpooling(): void {
    const waiting = this.queue;
    this.queue = [];
    this.spooling = true;
    if (this.closed && !waiting.length) return; // close() already spooled what was left
    this.log.warn('audit store unreachable: events go to the spool until it is back', { spool: this.spool.path, events: waiting.length });
    this.toSpool(waiting);
    this.scheduleReplay(this.retryMs);
  }

  private toSpool(events: RecordedAuditEvent[]): void {
    if (!events.length) return;
    try {
      this.spool.append(events);
      this.spooledSinceReplay += events.length;
      this.counters.spooled(events.length);
    } catch (error) {
      this.log.error('audit events lost: the spool file cannot be written', { error, events: events.length, spool: this.spool.path });
      this.counters.dropped('spool_failed', events.length);
    }
  }

  /**
   * Stores the events in order; one the store refuses for a reason other than being away is logged and
   * dropped (a batch refused is retried one event at a time, so only the culprit goes). False when the
   * store cannot be reached: then it is unknown which of them were stored.
   */
  private async write(events: RecordedAuditEvent[]): Promise<boolean> {
    try {
      await this.store.append(events);
      return true;
    } catch (error) {
      if (unreachable(error)) return false;
      if (events.length === 1) {
        this.log.error('audit event not stored: the store refused it', { error, eventId: events[0]!.eventId, type: events[0]!.type });
        this.counters.dropped('store_refused', 1);
        return true;
      }
    }
    for (const event of events) if (!(await this.write([event]))) return false;
    return true;
  }

  private scheduleReplay(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tryReplay(), delayMs);
    this.timer.unref?.();
  }

  private tryReplay(): void {
    if (this.closed || !this.spooling) return;
    if (this.busy || !this.isAvailable()) this.scheduleReplay(this.retryMs);
    else this.run(() => this.replay());
  }

  private async replay(): Promise<void> {
    let offset = 0;
    let sent = 0;
    for (;;) {
      const chunk = this.spool.read(offset, this.batchSize);
      if (chunk.next === offset) {
        // Nothing after the last line stored; nothing can be appended between that read and this (all synchronous).
        this.spool.clear();
        this.spooling = false;
        this.countedTo = 0;
        this.nextRetryMs = this.retryMs;
        this.log.info('audit spool replayed into the store', { events: sent, spooledSinceLastReplay: this.spooledSinceReplay, spool: this.spool.path });
        this.spooledSinceReplay = 0;
        return;
      }
      if (!(await this.write(chunk.events))) {
        this.log.warn('audit spool replay stopped: store unreachable; trying again', { stored: sent, retryInMs: this.nextRetryMs });
        this.scheduleReplay(this.nextRetryMs);
        this.nextRetryMs = Math.min(this.nextRetryMs * 2, this.maxRetryMs);
        return;
      }
      if (chunk.next > this.countedTo) {
        this.countedTo = chunk.next;
        this.counters.replayed(chunk.events.length);
        if (chunk.bad) {
          this.log.warn('audit spool lines skipped: not an event', { lines: chunk.bad, spool: this.spool.path });
          this.counters.dropped('bad_spool_line', chunk.bad);
        }
      }
      sent += chunk.events.length;
      offset = chunk.next;
    }
  }
}
