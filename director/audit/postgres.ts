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
        chain: orNull(event.chain),
        hash: orNull(event.hash),
      }));
      await sql`INSERT INTO audit_events ${sql(rows)} ON CONFLICT (event_id) DO NOTHING`;
    },
    async list(filter) {
      const [type, actor, outcome, since, until, before] = [filter.type ?? null, filter.actor ?? null, filter.outcome ?? null, filter.since ?? null, filter.until ?? null, filter.before ?? null];
      const rows = await sql`SELECT * FROM audit_events
        WHERE (${type}::text IS NULL OR type = ${type}) AND (${actor}::text IS NULL OR actor = ${actor})
          AND (${outcome}::text IS NULL OR outcome = ${outcome}) AND (${since}::bigint IS NULL OR at >= ${since})
          AND (${until}::bigint IS NULL OR at < ${until}) AND (${before}::bigint IS NULL OR id < ${before})
        ORDER BY id DESC LIMIT ${filter.limit}`;
      return rows.map(auditRecordFromRow);
    },
  };
}

/** AuditRetention on PostgreSQL. */
export function createPostgresAuditRetention(sql: SQL): AuditRetention {
  return {
    // Checkpoint and delete in one transaction, as on the embedded store (retention.ts).
    async pruneBefore(at) {
      return sql.begin(async (tx) => {
        await tx`INSERT INTO audit_checkpoints (chain, last_id, hash, pruned_at)
          SELECT chain, id, hash, ${Date.now()} FROM audit_events WHERE id IN (SELECT MAX(id) FROM audit_events WHERE at < ${at} AND chain IS NOT NULL GROUP BY chain)
          ON CONFLICT (chain) DO UPDATE SET last_id = EXCLUDED.last_id, hash = EXCLUDED.hash, pruned_at = EXCLUDED.pruned_at WHERE EXCLUDED.last_id > audit_checkpoints.last_id`;
        const chained = await tx`DELETE FROM audit_events e USING audit_checkpoints c WHERE e.chain = c.chain AND e.id <= c.last_id`;
        const unchained = await tx`DELETE FROM audit_events WHERE chain IS NULL AND at < ${at}`;
        return chained.count + unchained.count;
      });
    },
  };
}
