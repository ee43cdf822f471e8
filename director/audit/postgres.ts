import type { SQL } from 'bun';
import { auditRecordFromRow } from './log.ts';
import type { AuditRetention } from './retention.ts';
import type { AuditEvent, AuditStore } from './types.ts';

const orNull = (v: string | undefined) => v ?? null;

/** AuditStore on PostgreSQL: the same table and filters as the sqlite store. */
export function createPostgresAuditStore(sql: SQL): AuditStore {
  return {
    async append(at: number, event: AuditEvent) {
      await sql`INSERT INTO audit_events (at, type, actor, target, client_address, backend, outcome, detail)
        VALUES (${at}, ${event.type}, ${orNull(event.actor)}, ${orNull(event.target)}, ${orNull(event.clientAddress)}, ${orNull(event.backend)}, ${event.outcome}, ${orNull(event.detail)})`;
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
