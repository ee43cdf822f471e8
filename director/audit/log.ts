import type { Clock } from '../../shared/clock.ts';
import type { AuditEvent, AuditFilter, AuditLog, AuditRecord, AuditStore } from './types.ts';

const FIELD_MAX = 1024;
const cut = (v: string | undefined) => (v === undefined ? undefined : v.slice(0, FIELD_MAX));

/**
 * The AuditLog services use, over either store: fields are clamped, the time comes from the clock, and
 * a failed write is reported to `onError` instead of failing the action that was audited.
 */
export function createAuditLog(store: AuditStore, clock: Clock, onError: (err: unknown) => void = () => {}): AuditLog {
  return {
    record(entry: AuditEvent): void {
      const event: AuditEvent = { type: entry.type.slice(0, 64), outcome: entry.outcome };
      for (const field of ['actor', 'target', 'clientAddress', 'backend', 'detail'] as const) if (entry[field] !== undefined) event[field] = cut(entry[field]);
      store.append(clock.now(), event).catch(onError);
    },
    list(filter: AuditFilter = {}): Promise<AuditRecord[]> {
      return store.list({ ...filter, limit: Math.min(Math.max(Math.trunc(filter.limit ?? 100), 1), 1000) });
    },
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
