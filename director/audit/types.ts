/**
 * The audit trail: who did what, from where, with which outcome. Event types in use: "login",
 * "agent.approve", "agent.deny", "agent.revoke", "agent.returning", "agent.reissue", "join-token.create",
 * "join-token.use", "join-token.refuse", "join-token.revoke", "session.create", "session.close",
 * "session.screenshot" (an admin shown a session's screenshot), "server.drain", "server.open",
 * "server.close-sessions", and the DCV connection events
 * "connection.token" (a connection token issued), "connection.file" (a .dcv file downloaded),
 * "connection.verify" (a DCV server's auth-token verification: yes or no with the reason) and
 * "connection.resolve" (a gateway's session resolution: found or not), which are rate-limited per key
 * (rate-limit.ts). Any string is stored. Never put secrets (passwords, OTPs, tokens) into any field: a
 * connection token appears only as its token id (jti) or a hash prefix.
 */
export interface AuditEvent {
  type: string;
  /** Who acted (user or admin name). */
  actor?: string;
  /** What was acted on (agent GUID, session id, ...). */
  target?: string;
  clientAddress?: string;
  /** Login backend that decided. */
  backend?: string;
  outcome: 'success' | 'failure';
  detail?: string;
}

/**
 * An event as recorded, before it is stored: the fields plus its own id (a UUID, made when it was
 * recorded; the store keeps each id once) and the time in epoch milliseconds.
 */
export interface RecordedAuditEvent extends AuditEvent {
  eventId: string;
  at: number;
  /** The hash chain the event belongs to (one per director; absent for subcommands' events). */
  chain?: string;
  /** SHA-256 (hex) over the chain's previous hash and this event (chain.ts). */
  hash?: string;
}

/** A stored event: the recorded fields plus an id and the time in epoch milliseconds. */
export interface AuditRecord extends AuditEvent {
  id: number;
  at: number;
}

export interface AuditFilter {
  type?: string;
  actor?: string;
  outcome?: 'success' | 'failure';
  /** Epoch milliseconds; events at or after. */
  since?: number;
  /** Epoch milliseconds; events before (the end of the time range, exclusive). */
  until?: number;
  /** Paging cursor: only events with a lower id (the id of the last event of the page before). */
  before?: number;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

/** One page of events, newest first; `next` (a cursor, passed back as `before`) when older events match. */
export interface AuditPage {
  events: AuditRecord[];
  next?: string;
}

/** What services use: record() never waits on (or fails because of) the store; list() reads it. */
export interface AuditLog {
  record(event: AuditEvent): void;
  list(filter?: AuditFilter): Promise<AuditRecord[]>;
}

/** The log the director runs (and the admin routes read): list() a page at a time too. */
export interface PagedAuditLog extends AuditLog {
  /** Like list(), and says where the next page starts (auditPage in log.ts). */
  page(filter?: AuditFilter): Promise<AuditPage>;
}

/**
 * Storage of audit events, one implementation per store (sqlite.ts, postgres.ts), both checked by the
 * store contract test. `append` stores the events in the order given, in one statement or transaction,
 * and skips an event whose eventId is already stored (so a replay retried after a crash inserts each
 * event once). `list` returns newest first (by id, so a page boundary stays put while events are added);
 * the caller clamps the filter's limit.
 */
export interface AuditStore {
  append(events: RecordedAuditEvent[]): Promise<void>;
  list(filter: AuditFilter & { limit: number }): Promise<AuditRecord[]>;
}
