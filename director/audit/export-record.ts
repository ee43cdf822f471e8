import type { RecordedAuditEvent } from './types.ts';

/** An event as the exports write it (JSON): the stored fields, the time also as RFC 3339, chain and hash. */
export function exportRecord(event: RecordedAuditEvent): Record<string, unknown> {
  const { eventId, at, type, outcome, ...rest } = event;
  return { eventId, time: new Date(at).toISOString(), at, type, outcome, ...rest };
}

/** A copy of the audit trail outside the store (syslog, a JSON-lines file). */
export interface AuditExport {
  /** Sends or writes the event; never throws and never waits (a failure is logged by the export). */
  send(event: RecordedAuditEvent): void;
  /** Writes out what waits (a short grace for a network export) and closes. */
  close(): Promise<void>;
}
