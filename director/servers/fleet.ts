import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import { checkOptions } from '../../shared/options.ts';
import type { AuditLog } from '../audit/types.ts';
import { publishKeys, type ChangeFeed } from '../cluster/change-feed.ts';
import { isStoreDown, storeUnavailable } from '../store/availability.ts';
import { GroupCommit } from '../store/group-commit.ts';
import { FleetPlan } from './fleet-plan.ts';
import type { FleetStore, FleetTransaction, SweepBounds } from './fleet-store.ts';
import { sweep, type SweepResult } from './session-rows.ts';
import type { HealthRules } from './health.ts';
import type { ServerEntry, ServerSeen, ServerSnapshot, SessionEntry } from './records.ts';
import { lateOwnerReads, planReports, reportReads, type AgentReport, type ReportOutcome } from './report-plan.ts';
import type { RuntimeState } from './runtime-state.ts';
import { FleetFollower } from './fleet-follower.ts';

/** Change-feed topics: server ids with a new revision; server ids with newer last contact. */
export const FLEET_TOPIC = 'fleet';
export const FLEET_SEEN_TOPIC = 'fleet-seen';

export interface FleetOptions {
  store: FleetStore;
  state: RuntimeState;
  feed: ChangeFeed;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
  healthRules: HealthRules;
  /** Closes a session on its host that the director does not want (a create that finished too late). */
  closeOnHost: (server: ServerEntry, sessionId: string) => Promise<void>;
  /** Other directors hear of a server's newer last contact at most this often (they need it within server_offline_after). */
  seenNoticeMs: number;
  /** Counts reports applied in memory only while the store was away (metrics). */
  onDegradedReport?: () => void;
  /** A create not confirmed after this long was cut off with its director: the housekeeper calls it abandoned. */
  creatingTimeoutMs: number;
}

/** How long a closed session's row is kept against updates sent before the close (they still list it). */
const CLOSED_KEEP_MS = 120_000;
/** How long the director waits for a create it gave up on to appear (then adopted or closed) before forgetting it. */
const ABANDONED_KEEP_MS = 15 * 60_000;
/** Removed servers are kept this long so every director sees them go in order, then purged. */
const REMOVED_KEEP_MS = 86_400_000;
/** Servers swept per transaction. */
const SWEEP_CHUNK = 200;

/**
 * Servers and sessions: rows in the store, mirrored in this director's memory (RuntimeState). Every
 * write is a transaction on the rows (agent reports in batches, group-committed; session creates and
 * closes one by one), committed before its caller is answered; this director's memory then applies
 * what the transaction wrote, and other directors, told the server ids on the change feed, re-read
 * those rows. Nothing is merged: the row with the higher revision wins everywhere.
 */
export class Fleet {
  private readonly o: FleetOptions;
  private readonly reports: GroupCommit<AgentReport, ReportOutcome>;
  private readonly follower: FleetFollower;
  private readonly seenNoticed = new Map<string, number>();
  private readonly startedAt: number;

  constructor(options: FleetOptions) {
    this.o = checkOptions('Fleet', options, {
      store: 'object',
      state: 'object',
      feed: 'object',
      clock: 'object',
      log: 'object',
      audit: 'object',
      healthRules: 'object',
      closeOnHost: 'function',
      seenNoticeMs: 'number',
      onDegradedReport: 'function?',
      creatingTimeoutMs: 'number',
    });
    this.startedAt = options.clock.now();
    this.reports = new GroupCommit((batch) => this.writeReports(batch));
    this.follower = new FleetFollower(options.store, options.state, options.log);
  }

  /** Start-up: the stored servers and their live sessions into memory. */
  async load(): Promise<{ servers: number; sessions: number }> {
    await this.follower.reloadAll();
    return this.o.state.counts();
  }

  /** Follows the other directors' writes (their notices on the change feed). */
  start(): void {
    this.o.feed.subscribe(FLEET_TOPIC, (key) => this.follower.heard(key, 'rows'));
    this.o.feed.subscribe(FLEET_SEEN_TOPIC, (key) => this.follower.heard(key, 'seen'));
  }

  /** Resolves once the notices heard so far are applied (tests, and a clean stop). */
  settled(): Promise<void> {
    return this.follower.settled();
  }

  /**
   * One agent update, written with the others arriving meanwhile; resolves once committed. While the
   * store is away, a known agent's update only refreshes its last contact in memory (its server stays
   * online here); session changes wait for the store.
   */
  async report(report: AgentReport): Promise<ReportOutcome> {
    try {
      return await this.reports.submit(report);
    } catch (err) {
      const known = this.o.state.serverByGuid(report.guid);
      if (!isStoreDown(err) || known?.id !== report.hostname || known.state !== 'active') throw isStoreDown(err) ? storeUnavailable() : err;
      this.o.state.applySeen({ id: report.hostname, lastSeen: report.at, stats: report.stats, tags: report.tags, gpus: report.gpus, host: report.host });
      this.o.onDegradedReport?.();
      return { kind: 'accepted', adopted: [], lateCloses: [] };
    }
  }

  /** Runs one fleet transaction and applies what it wrote; a store that cannot be reached is 503. */
  async run<T>(tx: FleetTransaction<T>): Promise<T> {
    try {
      const { result, plan } = await this.o.store.transact(tx, this.o.clock.now());
      this.absorb(plan);
      return result;
    } catch (err) {
      throw isStoreDown(err) ? storeUnavailable() : err;
    }
  }

  /**
   * The housekeeper's sweep (one director at a time): live sessions of servers silent for
   * `staleAfterMs` (counted from this director's start at the earliest: its own downtime is not the
   * agents' silence), sessions no update listed within `staleAfterMs`, closed and abandoned rows that
   * served their purpose, creates whose director stopped mid-way; and servers removed a day ago.
   */
  async sweep(staleAfterMs: number): Promise<SweepResult & { purged: number }> {
    const now = this.o.clock.now();
    const bounds: SweepBounds = {
      silentBefore: now - staleAfterMs < this.startedAt ? 0 : now - staleAfterMs,
      unconfirmedBefore: now - staleAfterMs,
      closedBefore: now - CLOSED_KEEP_MS,
      abandonedBefore: now - ABANDONED_KEEP_MS,
      creatingBefore: now - this.o.creatingTimeoutMs,
    };
    const total: SweepResult = { stale: [], settled: 0, abandoned: 0 };
    const ids = await this.o.store.sweepCandidates(bounds);
    for (let start = 0; start < ids.length; start += SWEEP_CHUNK) {
      const done = await this.run(sweep(ids.slice(start, start + SWEEP_CHUNK), bounds, now));
      total.stale.push(...done.stale);
      total.settled += done.settled;
      total.abandoned += done.abandoned;
    }
    return { ...total, purged: await this.o.store.purgeRemoved(now - REMOVED_KEEP_MS) };
  }

  /**
   * A live session by id: from memory, else from the store (a session another director created a
   * moment ago, before its notice arrived). Undefined when there is none or the store cannot say.
   */
  async findSession(id: string): Promise<SessionEntry | undefined> {
    const held = this.o.state.session(id);
    if (held) return held;
    try {
      const stored = await this.o.store.liveSession(id);
      if (stored) this.follower.reload([stored.serverId]);
      return stored;
    } catch (error) {
      this.o.log.warn('session lookup in the store failed; answering as unknown', { sessionId: id, error });
      return undefined;
    }
  }

  /** A server and its live sessions as the store holds them now (also taken into memory when newer); undefined when not stored. */
  async storedServer(id: string): Promise<ServerSnapshot | undefined> {
    try {
      const [snapshot] = await this.o.store.loadSnapshots([id]);
      if (snapshot) this.o.state.applySnapshot(snapshot);
      return snapshot;
    } catch (err) {
      throw isStoreDown(err) ? storeUnavailable() : err;
    }
  }

  /** The owner's live sessions on every server, as the store holds them now (placement, under the owner's lock). */
  async liveSessionsOf(owner: string): Promise<SessionEntry[]> {
    try {
      return await this.o.store.liveSessionsOf(owner);
    } catch (err) {
      throw isStoreDown(err) ? storeUnavailable() : err;
    }
  }

  /**
   * A batch of agent updates. One that would change nothing but figures (last contact and stats, its
   * sessions' connections, status and last disconnection; decided on this director's memory, by the same
   * planner the transaction uses) takes the quick path: one statement for all of them, still refused
   * unless the agent is registered. The rest, and any quick
   * one the store did not take, are one transaction.
   */
  private async writeReports(batch: AgentReport[]): Promise<ReportOutcome[]> {
    const outcomes = new Map<AgentReport, ReportOutcome>();
    // The quick path: a report that, as far as this director's memory goes, changes nothing but figures.
    const quick = new Map<AgentReport, FleetPlan>();
    const needsRows = new Set<string>();
    for (const report of batch) {
      const plan = this.figuresOnly(report);
      if (plan) quick.set(report, plan);
      else needsRows.add(report.hostname);
    }
    for (const report of [...quick.keys()]) if (needsRows.has(report.hostname)) quick.delete(report);
    if (quick.size) {
      // The plan's seen entry, as the full path writes it: attrs is written whole, so everything it holds
      // (console only, the session cap, the self-check, no load average) must go along or the store loses it.
      const items = [];
      // A plan that changes nothing took the planner's seen branch for this server.
      for (const [report, plan] of quick) items.push({ ...plan.seenOf(report.hostname)!, guid: report.guid, figures: plan.figureWrites() });
      const taken = new Set(await this.o.store.refreshSeen(items));
      const seen = [];
      for (const item of items) {
        if (!taken.has(item.id)) continue;
        seen.push(item);
        this.o.state.applyFigures(item.figures);
      }
      for (const report of quick.keys()) if (taken.has(report.hostname)) outcomes.set(report, { kind: 'accepted', adopted: [], lateCloses: [] });
      this.noteSeen(seen);
    }
    const full = batch.filter((report) => !outcomes.has(report));
    if (full.length) {
      const { result, plan } = await this.o.store.transact(
        {
          reads: reportReads(full),
          more: (first) => lateOwnerReads(first, full),
          decide: (current) => planReports(current, full, this.o.healthRules),
        },
        this.o.clock.now(),
      );
      this.absorb(plan);
      for (const [index, outcome] of result.entries()) {
        outcomes.set(full[index]!, outcome);
        if (outcome.kind === 'accepted') this.settleLate(outcome.adopted, outcome.lateCloses);
      }
    }
    return batch.map((report) => outcomes.get(report)!);
  }

  /** The plan of a report that, as far as this director's memory goes, changes nothing but figures; else undefined. */
  private figuresOnly(report: AgentReport): FleetPlan | undefined {
    const server = this.o.state.server(report.hostname);
    if (!server || server.guid !== report.guid) return undefined;
    const sessions = new Map<string, SessionEntry>();
    for (const session of this.o.state.sessionsOn(server.id)) sessions.set(session.id, session);
    for (const wire of report.sessions) {
      const held = this.o.state.session(wire.id);
      if (held) sessions.set(held.id, held);
    }
    const plan = new FleetPlan({ agents: new Map([[report.guid, 'registered']]), servers: new Map([[server.id, server]]), sessions, owners: new Set() });
    planReports(plan, [report], this.o.healthRules);
    return plan.hasChanges() ? undefined : plan;
  }

  /** Applies a committed transaction to memory and tells the other directors which servers changed. */
  private absorb(plan: FleetPlan): void {
    const changed: string[] = [];
    for (const change of plan.changes()) {
      changed.push(change.server.id);
      if (this.o.state.apply(change) === 'gap') this.follower.reload([change.server.id]);
    }
    if (changed.length) publishKeys(this.o.feed, FLEET_TOPIC, changed);
    const now = this.o.clock.now();
    for (const id of changed) this.seenNoticed.set(id, now);
    this.o.state.applyFigures(plan.writes().figures);
    this.noteSeen(plan.writes().seen);
  }

  /** Newer last contact written: into memory, and named to the other directors at most every seenNoticeMs per server. */
  private noteSeen(written: readonly ServerSeen[]): void {
    const now = this.o.clock.now();
    const noticed: string[] = [];
    for (const seen of written) {
      this.o.state.applySeen(seen);
      if (now - (this.seenNoticed.get(seen.id) ?? 0) < this.o.seenNoticeMs) continue;
      this.seenNoticed.set(seen.id, now);
      noticed.push(seen.id);
    }
    if (noticed.length) publishKeys(this.o.feed, FLEET_SEEN_TOPIC, noticed);
  }

  /** Sessions the director had given up creating that appeared: kept (audited), or closed on their host. */
  private settleLate(adopted: SessionEntry[], lateCloses: SessionEntry[]): void {
    for (const session of adopted) {
      this.o.audit.record({
        type: 'session.adopt',
        target: session.id,
        outcome: 'success',
        detail: `${session.serverId}: a create the director gave up on finished; ${session.owner} had no other session, kept`,
      });
    }
    for (const session of lateCloses) void this.closeLate(session);
  }

  /** Closes a late duplicate on its host; the row is closed already, so it cannot come back. */
  async closeLate(session: SessionEntry): Promise<void> {
    const server = this.o.state.server(session.serverId);
    const detail = `${session.serverId}: a create the director gave up on finished while ${session.owner} had another session`;
    try {
      if (!server) throw new Error('its server is not online here');
      await this.o.closeOnHost(server, session.id);
      this.o.audit.record({ type: 'session.close', actor: 'director', target: session.id, outcome: 'success', detail });
    } catch (error) {
      this.o.log.warn('late duplicate session not closed on its host', { sessionId: session.id, server: session.serverId, error });
      this.o.audit.record({ type: 'session.close', actor: 'director', target: session.id, outcome: 'failure', detail: `${detail}: ${(error as Error).message}`.slice(0, 500) });
    }
  }
}
