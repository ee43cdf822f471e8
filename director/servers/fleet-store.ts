import type { FleetPlan, FleetReads } from './fleet-plan.ts';
import type { ServerSeen, ServerSnapshot, SessionEntry } from './records.ts';

/** One fleet transaction: what to read, what else to read once that is known, and the decision. */
export interface FleetTransaction<T> {
  reads: FleetReads;
  /** A second round of reads, decided on the first (e.g. the owners of sessions found abandoned). */
  more?: (plan: FleetPlan) => FleetReads | undefined;
  /** Decides on the rows read; whatever it put on the plan is written when it returns. */
  decide: (plan: FleetPlan) => T;
}

/** What the housekeeper may clear (epoch ms bounds). */
export interface SweepBounds {
  /** Servers silent since before this: their running and starting sessions are dropped. */
  silentBefore: number;
  /** Sessions starting (never listed by an update) since before this are dropped. */
  unconfirmedBefore: number;
  /** Closed sessions (kept against updates sent before the close) older than this go. */
  closedBefore: number;
  /** Creates the director gave up on that never appeared: their rows go. */
  abandonedBefore: number;
  /** Creates reserved before this and never confirmed (their director stopped mid-create) count as abandoned. */
  creatingBefore: number;
}

/**
 * Servers and sessions as rows (schema step 6), one implementation per dialect
 * (fleet-store-sqlite.ts, fleet-store-postgres.ts), both checked by fleet-store.contract.ts. Every write
 * is one `transact`: the rows it reads are locked on PostgreSQL (agents shared, servers and sessions
 * for update), so writes to one server are serialised across directors and a revoke cannot slip
 * between the check of an agent and the write it allows.
 */
export interface FleetStore {
  /** Runs one transaction; `now` stamps the rows written (updated_at). */
  transact<T>(tx: FleetTransaction<T>, now: number): Promise<{ result: T; plan: FleetPlan }>;
  /** Every server not removed, with its live sessions (start-up). */
  loadAll(): Promise<ServerSnapshot[]>;
  /** The named servers (removed ones too, so their removal is seen) with their live sessions. */
  loadSnapshots(ids: readonly string[]): Promise<ServerSnapshot[]>;
  /** A live session by id (a director that has not heard of it yet asks the store). */
  liveSession(id: string): Promise<SessionEntry | undefined>;
  /** The live sessions of one owner on every server (placement, under the owner's lock). */
  liveSessionsOf(owner: string): Promise<SessionEntry[]>;
  /** Ids of servers holding something the housekeeper should clear. */
  sweepCandidates(bounds: SweepBounds): Promise<string[]>;
  /** Deletes servers removed before `before` (nothing refers to them any more); returns how many. */
  purgeRemoved(before: number): Promise<number>;
  /**
   * The quick path of an agent update that changes nothing but figures (the server's last contact and
   * stats, its sessions' connections, status and last disconnection): one statement for the batch, taken only where the server is active under that agent and the agent is registered
   * (on PostgreSQL checked under a shared lock on its row, like a transaction). Resolves with the
   * server ids written; the others go through a transaction to learn why.
   */
  refreshSeen(items: readonly (ServerSeen & { guid: string; figures: readonly SessionEntry[] })[]): Promise<string[]>;
}
