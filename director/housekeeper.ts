import type { Logger } from '../shared/log.ts';
import { checkOptions } from '../shared/options.ts';
import type { AgentService } from './agents/service.ts';
import type { AuditRetention } from './audit/retention.ts';
import type { Fleet } from './servers/fleet.ts';

export interface HousekeeperOptions {
  agents: AgentService;
  fleet: Pick<Fleet, 'sweep'>;
  log: Logger;
  /** How often the fleet's rows are swept (seconds-scale). */
  intervalMs: number;
  sessionStaleAfterMs: number;
  /** How often (the specification: hourly) pending registrations older than pendingMaxAgeMs are removed. */
  pendingCleanupIntervalMs: number;
  pendingMaxAgeMs: number;
  /** Store-wide work runs on one director at a time (several directors on one store); default: always. */
  isLeader?: () => boolean;
  /** Audit events older than auditMaxAgeMs are deleted on the pending-cleanup tick. */
  audit?: AuditRetention;
  auditMaxAgeMs?: number;
  /** Revoked token ids whose tokens expired are forgotten on the same tick. */
  revocations?: { prune(): Promise<number> };
  /** Session screenshots past their cache time, or of sessions gone, are dropped on the fleet sweep's tick. */
  thumbnails?: { purge(): Promise<number> };
  /** Session shares whose session is gone (closed, or its id used again) are deleted on the same tick. */
  shares?: { purgeStale(): Promise<number> };
  now?: () => number;
  /** Timer functions; tests pass fakes to fire the timers by hand. */
  timers?: { setInterval: (fn: () => void, ms: number) => unknown; clearInterval: (t: unknown) => void };
}

const realTimers = {
  setInterval: (fn: () => void, ms: number) => {
    const timer = setInterval(fn, ms);
    timer.unref?.();
    return timer;
  },
  clearInterval: (t: unknown) => clearInterval(t as ReturnType<typeof setInterval>),
};

/** Periodic cleanup: fleet rows no agent confirms any more, stale pending registrations, audit retention, expired revocations, old screenshots. */
export class Housekeeper {
  private timers: unknown[] = [];

  private readonly o: HousekeeperOptions;

  constructor(options: HousekeeperOptions) {
    this.o = checkOptions('Housekeeper', options, {
      agents: 'object',
      fleet: 'object',
      log: 'object',
      intervalMs: 'number',
      sessionStaleAfterMs: 'number',
      pendingCleanupIntervalMs: 'number',
      pendingMaxAgeMs: 'number',
      isLeader: 'function?',
      audit: 'object?',
      auditMaxAgeMs: 'number?',
      revocations: 'object?',
      thumbnails: 'object?',
      shares: 'object?',
      now: 'function?',
      timers: 'object?',
    });
  }

  start(): void {
    const timers = this.o.timers ?? realTimers;
    this.timers.push(timers.setInterval(() => void this.sweepSessions(), this.o.intervalMs));
    this.timers.push(timers.setInterval(() => void this.sweepPending().catch((error) => this.o.log.warn('pending clean-up failed', { error })), this.o.pendingCleanupIntervalMs));
    if (this.o.thumbnails) this.timers.push(timers.setInterval(() => void this.sweepThumbnails(), this.o.intervalMs));
    if (this.o.audit || this.o.revocations || this.o.shares) {
      this.timers.push(timers.setInterval(() => void this.sweepStores(), this.o.pendingCleanupIntervalMs));
      void this.sweepStores();
    }
  }

  stop(): void {
    for (const timer of this.timers) (this.o.timers ?? realTimers).clearInterval(timer);
    this.timers = [];
  }

  /** Sessions no update confirms any more, and rows that served their purpose (see Fleet.sweep); the leader's job. */
  async sweepSessions(): Promise<string[]> {
    if (this.o.isLeader && !this.o.isLeader()) return [];
    try {
      const swept = await this.o.fleet.sweep(this.o.sessionStaleAfterMs);
      if (swept.stale.length) this.o.log.info('dropped stale sessions', { count: swept.stale.length });
      if (swept.abandoned) this.o.log.warn('creates cut off with their director marked abandoned', { count: swept.abandoned });
      return swept.stale;
    } catch (error) {
      this.o.log.warn('fleet sweep failed; the next tick tries again', { error });
      return [];
    }
  }

  /** Screenshots no request may be answered with any more (SessionThumbnails.purge); the leader's job. */
  async sweepThumbnails(): Promise<number> {
    if (!this.o.thumbnails || (this.o.isLeader && !this.o.isLeader())) return 0;
    try {
      return await this.o.thumbnails.purge();
    } catch (error) {
      this.o.log.warn('session screenshot clean-up failed; the next tick tries again', { error });
      return 0;
    }
  }

  /** Audit retention, expired token revocations and stale shares; failures are logged, the next tick retries. */
  async sweepStores(): Promise<{ audit: number; revocations: number; shares: number }> {
    const out = { audit: 0, revocations: 0, shares: 0 };
    if (this.o.isLeader && !this.o.isLeader()) return out;
    try {
      if (this.o.audit && this.o.auditMaxAgeMs) out.audit = await this.o.audit.pruneBefore((this.o.now ?? Date.now)() - this.o.auditMaxAgeMs);
      if (this.o.revocations) out.revocations = await this.o.revocations.prune();
      if (this.o.shares) out.shares = await this.o.shares.purgeStale();
      if (out.audit) this.o.log.info('pruned audit events past retention', { count: out.audit });
    } catch (error) {
      this.o.log.error('store housekeeping failed', { error });
    }
    return out;
  }

  async sweepPending(): Promise<number> {
    if (this.o.isLeader && !this.o.isLeader()) return 0;
    const removed = await this.o.agents.purgeStalePending(this.o.pendingMaxAgeMs);
    if (removed) this.o.log.info('removed stale pending registrations', { count: removed });
    return removed;
  }
}
