import type { SQL } from 'bun';
import { auditRecordFromRow } from './log.ts';
import type { AuditRetention } from './retention.ts';
import type { AuditEvent, AuditStore } from './types.ts';

const orNull = (v: string | undefined) => v ?? null;

/** AuditStore on PostgreSQL: the same table and filters as the sqlite store. */
export function createPostgresAuditStore(sql: SQL): AuditStore {
  return {
    async append(at: number, e: AuditEvent) {
      await sql`INSERT INTO audit_events (at, type, actor, target, client_address, backend, outcome, detail)
        VALUES (${at}, ${e.type}, ${orNull(e.actor)}, ${orNull(e.target)}, ${orNull(e.clientAddress)}, ${orNull(e.backend)}, ${e.outcome}, ${orNull(e.detail)})`;
    },
    async list(f) {
      const rows = await sql`SELECT * FROM audit_events
        WHERE (${f.type ?? null}::text IS NULL OR type = ${f.type ?? null}) AND (${f.actor ?? null}::text IS NULL OR actor = ${f.actor ?? null})
          AND (${f.outcome ?? null}::text IS NULL OR outcome = ${f.outcome ?? null}) AND (${f.since ?? null}::bigint IS NULL OR at >= ${f.since ?? null})
        ORDER BY id DESC LIMIT ${f.limit}`;
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
