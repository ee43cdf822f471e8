import type { Database } from 'bun:sqlite';
import type { Clock } from '../../shared/clock.ts';
import { auditRecordFromRow, createAuditLog } from './log.ts';
import type { AuditStore, PagedAuditLog, RecordedAuditEvent } from './types.ts';

type Row = Parameters<typeof auditRecordFromRow>[0];
const orNull = (v: string | undefined) => v ?? null;

/**
 * AuditStore on the embedded database (table audit_events), with prepared statements; an event id
 * already stored is skipped.
 * Filters are bound parameters; an absent filter matches everything (`? IS NULL OR ...`).
 */
export function createSqliteAuditStore(db: Database): AuditStore {
  const insert = db.query<never, [string, number, string, string | null, string | null, string | null, string | null, string, string | null, string | null, string | null]>(
    `INSERT INTO audit_events (event_id, at, type, actor, target, client_address, backend, outcome, detail, chain, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (event_id) DO NOTHING`,
  );
  const insertAll = db.transaction((events: RecordedAuditEvent[]) => {
    for (const event of events)
      insert.run(
        event.eventId,
        event.at,
        event.type,
        orNull(event.actor),
        orNull(event.target),
        orNull(event.clientAddress),
        orNull(event.backend),
        event.outcome,
        orNull(event.detail),
        orNull(event.chain),
        orNull(event.hash),
      );
  });
  // Walks the primary key backwards from the cursor and stops after `limit` matches.
  const select = db.query<Row, [string | null, string | null, string | null, number | null, number | null, number | null, number]>(
    `SELECT * FROM audit_events
     WHERE (?1 IS NULL OR type = ?1) AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR outcome = ?3) AND (?4 IS NULL OR at >= ?4)
       AND (?5 IS NULL OR at < ?5) AND (?6 IS NULL OR id < ?6)
     ORDER BY id DESC LIMIT ?7`,
  );
  return {
    async append(events: RecordedAuditEvent[]) {
      insertAll(events);
    },
    async list(filter) {
      const { type, actor, outcome, since, until, before } = filter;
      return select.all(type ?? null, actor ?? null, outcome ?? null, since ?? null, until ?? null, before ?? null, filter.limit).map(auditRecordFromRow);
    },
  };
}

/** The AuditLog on the embedded database (events are written right after the turn of the event loop that recorded them). */
export function createSqliteAuditLog(db: Database, clock: Clock): PagedAuditLog {
  return createAuditLog(createSqliteAuditStore(db), clock);
}
