import type { SQL } from 'bun';
import { auditRecordFromRow } from './log.ts';
import type { AuditRetention } from './retention.ts';
import type { AuditStore, RecordedAuditEvent } from './types.ts';

const orNull = (v: string | undefined) => v ?? null;

/** AuditStore on PostgreSQL: the same table, filters and event-id rule as the sqlite store. */
export function createPostgresAuditStore(sql: SQL): AuditStore {
  return {
    // One multi-row INSERT: the rows get their ids in the order given.
    async append(events: RecordedAuditEvent[]) {
      if (!events.length) return;
      const rows = events.map((event) => ({
        event_id: event.eventId,
        at: event.at,
        type: event.type,
        actor: orNull(event.actor),
        target: orNull(event.target),
        client_address: orNull(event.clientAddress),
        backend: orNull(event.backend),
        outcome: event.outcome,
        detail: orNull(event.detail),
      }));
      await sql`INSERT INTO audit_events ${sql(rows)} ON CONFLICT (event_id) DO NOTHING`;
    },
    async list(filter) {
      const rows = await sql`SELECT * FROM audit_events
        WHERE (${filter.type ?? null}::text IS NULL OR type = ${filter.type ?? null}) AND (${filter.actor ?? null}::text IS NULL OR actor = ${filter.actor ?? null})
          AND (${filter.outcome ?? null}::text IS NULL OR outcome = ${filter.outcome ?? null}) AND (${filter.since ?? null}::bigint IS NULL OR at >= ${filter.since ?? null})
        ORDER BY id DESC LIMIT ${filter.limit}`;
      return rows.map(auditRecordFromRow);
    },
  };
}

/** AuditRetention on PostgreSQL. */
export function createPostgresAuditRetention(sql: SQL): AuditRetention {
  return {
    async pruneBefore(at) {
      return (await sql`DELETE FROM audit_events WHERE at < ${at}`).count;
    },
  };
}
