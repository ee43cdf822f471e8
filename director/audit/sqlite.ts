import type { Database } from 'bun:sqlite';
import type { Clock } from '../../shared/clock.ts';
import { auditRecordFromRow, createAuditLog } from './log.ts';
import type { AuditEvent, AuditLog, AuditStore } from './types.ts';

type Row = Parameters<typeof auditRecordFromRow>[0];
const orNull = (v: string | undefined) => v ?? null;

/**
 * AuditStore on the embedded database (table audit_events, migration 002), with prepared statements.
 * Filters are bound parameters; an absent filter matches everything (`? IS NULL OR ...`).
 */
export function createSqliteAuditStore(db: Database): AuditStore {
  const insert = db.query<never, [number, string, string | null, string | null, string | null, string | null, string, string | null]>(
    'INSERT INTO audit_events (at, type, actor, target, client_address, backend, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const select = db.query<Row, [string | null, string | null, string | null, number | null, number]>(
    `SELECT * FROM audit_events
     WHERE (?1 IS NULL OR type = ?1) AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR outcome = ?3) AND (?4 IS NULL OR at >= ?4)
     ORDER BY id DESC LIMIT ?5`,
  );
  return {
    async append(at: number, e: AuditEvent) {
      insert.run(at, e.type, orNull(e.actor), orNull(e.target), orNull(e.clientAddress), orNull(e.backend), e.outcome, orNull(e.detail));
    },
    async list(f) {
      return select.all(f.type ?? null, f.actor ?? null, f.outcome ?? null, f.since ?? null, f.limit).map(auditRecordFromRow);
    },
  };
}

/** The AuditLog on the embedded database (the write happens before record() returns). */
export function createSqliteAuditLog(db: Database, clock: Clock): AuditLog {
  return createAuditLog(createSqliteAuditStore(db), clock);
}
