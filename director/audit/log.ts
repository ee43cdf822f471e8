import type { Clock } from '../../shared/clock.ts';
import type { AuditEvent, AuditFilter, AuditLog, AuditRecord, AuditStore, RecordedAuditEvent } from './types.ts';

const FIELD_MAX = 1024;
const cut = (v: string | undefined) => (v === undefined ? undefined : v.slice(0, FIELD_MAX));

/** The event as recorded now: fields clamped, an id of its own (a UUID) and the time from the clock. */
export function recordedEvent(entry: AuditEvent, clock: Clock): RecordedAuditEvent {
  const event: RecordedAuditEvent = { eventId: crypto.randomUUID(), at: clock.now(), type: entry.type.slice(0, 64), outcome: entry.outcome };
  for (const field of ['actor', 'target', 'clientAddress', 'backend', 'detail'] as const) if (entry[field] !== undefined) event[field] = cut(entry[field]);
  return event;
}

/** Lists from the store with the limit clamped to 1..1000 (default 100). */
export function listAudit(store: AuditStore, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  return store.list({ ...filter, limit: Math.min(Math.max(Math.trunc(filter.limit ?? 100), 1), 1000) });
}

/**
 * The AuditLog over a store that is always there (the embedded database, where the insert happens
 * before record() returns): a failed write is reported to `onError` instead of failing the action that
 * was audited. A store that can be away uses the spooling log (spooling-log.ts) instead.
 */
export function createAuditLog(store: AuditStore, clock: Clock, onError: (err: unknown) => void = () => {}): AuditLog {
  return {
    record(entry: AuditEvent): void {
      store.append([recordedEvent(entry, clock)]).catch(onError);
    },
    list: (filter) => listAudit(store, filter),
  };
}

/** Builds an AuditRecord from a row of table audit_events (same columns in both stores). */
export function auditRecordFromRow(r: {
  id: unknown;
  at: unknown;
  type: string;
  outcome: 'success' | 'failure';
  actor: string | null;
  target: string | null;
  client_address: string | null;
  backend: string | null;
  detail: string | null;
}): AuditRecord {
  const rec: AuditRecord = { id: Number(r.id), at: Number(r.at), type: r.type, outcome: r.outcome };
  if (r.actor !== null) rec.actor = r.actor;
  if (r.target !== null) rec.target = r.target;
  if (r.client_address !== null) rec.clientAddress = r.client_address;
  if (r.backend !== null) rec.backend = r.backend;
  if (r.detail !== null) rec.detail = r.detail;
  return rec;
}
