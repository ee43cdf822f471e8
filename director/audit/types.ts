/**
 * The audit trail: who did what, from where, with which outcome. Event types in use: "login",
 * "agent.approve", "agent.deny", "agent.revoke", "agent.returning", "agent.reissue", "join-token.create",
 * "join-token.use", "join-token.refuse", "join-token.revoke", "session.create", "session.close",
 * "server.drain", "server.open", "server.close-sessions" (any string is stored). Never put secrets
 * (passwords, OTPs, tokens) into any field.
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
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

/** What services use: record() never waits on (or fails because of) the store; list() reads it. */
export interface AuditLog {
  record(event: AuditEvent): void;
  list(filter?: AuditFilter): Promise<AuditRecord[]>;
}

/**
 * Storage of audit events, one implementation per store (sqlite.ts, postgres.ts), both checked by the
 * store contract test. `append` stores the events in the order given, in one statement or transaction,
 * and skips an event whose eventId is already stored (so a replay retried after a crash inserts each
 * event once). `list` returns newest first; the filter's limit is already clamped.
 */
export interface AuditStore {
  append(events: RecordedAuditEvent[]): Promise<void>;
  list(filter: AuditFilter & { limit: number }): Promise<AuditRecord[]>;
}
