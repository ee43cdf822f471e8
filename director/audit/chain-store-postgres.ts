import type { SQL } from 'bun';
import { chainRowFrom, checkpointFrom, type AuditChainStore } from './chain-store.ts';

/** AuditChainStore on PostgreSQL: the same tables and answers as the embedded one. */
export function createPostgresChainStore(sql: SQL): AuditChainStore {
  return {
    async head(chain) {
      const [row] = await sql`SELECT hash FROM audit_events WHERE chain = ${chain} ORDER BY id DESC LIMIT 1`;
      if (row) return row.hash;
      const [checkpoint] = await sql`SELECT hash FROM audit_checkpoints WHERE chain = ${chain}`;
      return checkpoint?.hash;
    },
    async rows(afterId, limit) {
      return (await sql`SELECT * FROM audit_events WHERE id > ${afterId} ORDER BY id LIMIT ${limit}`).map(chainRowFrom);
    },
    async checkpoints() {
      return (await sql`SELECT * FROM audit_checkpoints ORDER BY chain`).map(checkpointFrom);
    },
  };
}
