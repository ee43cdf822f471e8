import type { Database } from 'bun:sqlite';
import type { Clock } from '../../shared/clock.ts';
import type { AuditEvent, AuditFilter, AuditLog, AuditRecord } from './types.ts';

interface Row {
  id: number;
  at: number;
  type: string;
  actor: string | null;
  target: string | null;
  client_address: string | null;
  backend: string | null;
  outcome: 'success' | 'failure';
  detail: string | null;
}

const FIELD_MAX = 1024;

/**
 * AuditLog on the director database (table audit_events, migration 002), with prepared statements.
 * Filters are bound parameters; an absent filter matches everything (`? IS NULL OR ...`).
 */
export function createSqliteAuditLog(db: Database, clock: Clock): AuditLog {
  const insert = db.query<never, [number, string, string | null, string | null, string | null, string | null, string, string | null]>(
    'INSERT INTO audit_events (at, type, actor, target, client_address, backend, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const select = db.query<Row, [string | null, string | null, string | null, number | null, number]>(
    `SELECT * FROM audit_events
     WHERE (?1 IS NULL OR type = ?1) AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR outcome = ?3) AND (?4 IS NULL OR at >= ?4)
     ORDER BY id DESC LIMIT ?5`,
  );
  const cut = (v: string | undefined) => (v === undefined ? null : v.slice(0, FIELD_MAX));
  return {
    record(e: AuditEvent): void {
      insert.run(clock.now(), e.type.slice(0, 64), cut(e.actor), cut(e.target), cut(e.clientAddress), cut(e.backend), e.outcome, cut(e.detail));
    },
    list(f: AuditFilter = {}): AuditRecord[] {
      const limit = Math.min(Math.max(Math.trunc(f.limit ?? 100), 1), 1000);
      return select.all(f.type ?? null, f.actor ?? null, f.outcome ?? null, f.since ?? null, limit).map(toRecord);
    },
  };
}

function toRecord(r: Row): AuditRecord {
  const rec: AuditRecord = { id: r.id, at: r.at, type: r.type, outcome: r.outcome };
  if (r.actor !== null) rec.actor = r.actor;
  if (r.target !== null) rec.target = r.target;
  if (r.client_address !== null) rec.clientAddress = r.client_address;
  if (r.backend !== null) rec.backend = r.backend;
  if (r.detail !== null) rec.detail = r.detail;
  return rec;
}
