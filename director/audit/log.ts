import type { Clock } from '../../shared/clock.ts';
import type { AuditEvent, AuditFilter, AuditPage, AuditRecord, AuditStore, PagedAuditLog, RecordedAuditEvent } from './types.ts';

const FIELD_MAX = 1024;
const cut = (v: string | undefined) => (v === undefined ? undefined : v.slice(0, FIELD_MAX));

/** The event as recorded now: fields clamped, an id of its own (a UUID) and the time from the clock. */
export function recordedEvent(entry: AuditEvent, clock: Clock): RecordedAuditEvent {
  const event: RecordedAuditEvent = { eventId: crypto.randomUUID(), at: clock.now(), type: entry.type.slice(0, 64), outcome: entry.outcome };
  for (const field of ['actor', 'target', 'clientAddress', 'backend', 'detail'] as const) if (entry[field] !== undefined) event[field] = cut(entry[field]);
  return event;
}

/**
 * What happens to each event once recorded, in the order recorded, before it is queued for the store:
 * the hash chain links it and the exports send it (open.ts).
 */
export type AuditStamp = (event: RecordedAuditEvent) => RecordedAuditEvent;

/** Most events one page (or list) holds. */
export const AUDIT_PAGE_MAX = 1000;
const clampLimit = (limit: number | undefined) => Math.min(Math.max(Math.trunc(limit ?? 100), 1), AUDIT_PAGE_MAX);

/** Lists from the store with the limit clamped to 1..1000 (default 100). */
export function listAudit(store: AuditStore, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  return store.list({ ...filter, limit: clampLimit(filter.limit) });
}

/**
 * One page from the store (limit clamped like listAudit): one row more is read than shown, so `next`
 * is there exactly when older events match. The cursor is the id of the page's last event: ids only
 * grow, so events added meanwhile land before the first page and never shift the pages after it.
 */
export async function auditPage(store: AuditStore, filter: AuditFilter = {}): Promise<AuditPage> {
  const limit = clampLimit(filter.limit);
  const rows = await store.list({ ...filter, limit: limit + 1 });
  if (rows.length <= limit) return { events: rows };
  const events = rows.slice(0, limit);
  return { events, next: String(events[limit - 1]!.id) };
}

/**
 * The AuditLog over a store that is always there (the embedded database): record() only queues the
 * event; what is queued is written in one transaction once the current turn of the event loop is over,
 * so a burst of events (a flood of DCV connections) costs one write, not one per event, and no request
 * waits for it. list() and page() write what is queued first. A failed write is reported to `onError`
 * instead of failing the action that was audited. A store that can be away uses the spooling log
 * (spooling-log.ts) instead. `stamp` links and exports each event as it is recorded.
 */
export function createAuditLog(store: AuditStore, clock: Clock, onError: (err: unknown) => void = () => {}, stamp: AuditStamp = (event) => event): PagedAuditLog & { flush(): Promise<void> } {
  let queued: RecordedAuditEvent[] = [];
  const flush = async () => {
    if (!queued.length) return;
    const batch = queued;
    queued = [];
    await store.append(batch).catch(onError);
  };
  return {
    record(entry: AuditEvent): void {
      if (!queued.length) setImmediate(() => void flush());
      queued.push(stamp(recordedEvent(entry, clock)));
    },
    async list(filter) {
      await flush();
      return listAudit(store, filter);
    },
    async page(filter) {
      await flush();
      return auditPage(store, filter);
    },
    flush,
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
