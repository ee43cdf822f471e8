import type { ServerEntry, SessionEntry } from '../servers/runtime-state.ts';

/**
 * Storage for what the director used to keep in memory only, one small interface per aggregate. All
 * methods are async so a PostgreSQL implementation can sit beside the bun:sqlite one
 * (sqlite-runtime-stores.ts); callers serve from memory and write behind.
 */

/** A server's last known state with the sessions on it (their pool included). */
export interface ServerSnapshot {
  server: ServerEntry;
  sessions: SessionEntry[];
}

export interface ServerStateStore {
  /** Every stored server, or only those named in `ids` (a named server that is not stored is left out). */
  loadServers(ids?: string[]): Promise<ServerSnapshot[]>;
  /** The servers holding at least one session of `owner` (placement re-reads them under the user's lock). */
  serversWithSessionsOf(owner: string): Promise<ServerSnapshot[]>;
  /** One transaction: `put` replaces each named server (and its sessions), `removed` server ids go. */
  saveServers(put: ServerSnapshot[], removed: string[]): Promise<void>;
}

export interface TokenUseStore {
  /** Counts one more use of connection token `jti`, atomically; resolves with the uses so far, this one included. */
  addUse(jti: string, expiresAt: number): Promise<number>;
  /** Forgets tokens that expired before `before`; resolves with how many. */
  purgeExpired(before: number): Promise<number>;
}

/** Login failures per throttle key (an opaque string: the throttle decides what it means). */
export interface ThrottleEntry {
  key: string;
  /** Epoch milliseconds of the recent failures, oldest first. */
  failures: number[];
}

export interface ThrottleStore {
  /** Entries with at least one failure at or after `since`; with `keys`, only those keys. */
  loadThrottle(since: number, keys?: string[]): Promise<ThrottleEntry[]>;
  /** One transaction: `put` replaces each key's failures, `removed` keys go. */
  saveThrottle(put: ThrottleEntry[], removed: string[]): Promise<void>;
}

export type RuntimeStores = ServerStateStore & TokenUseStore & ThrottleStore;
