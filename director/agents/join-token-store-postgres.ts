import type { SQL } from 'bun';
import { joinTokenFromRow, type JoinTokenRow, type JoinTokenStore } from './join-token-store.ts';

/**
 * JoinTokenStore on PostgreSQL (Bun.sql). consume() is one UPDATE whose WHERE holds `used < uses`: a
 * second director updating the same row waits for the first one's row lock and then re-checks the
 * condition on the row as the first one left it, so the last use goes to exactly one of them.
 */
export function createPostgresJoinTokenStore(sql: SQL): JoinTokenStore {
  const record = (rows: JoinTokenRow[]) => (rows[0] ? joinTokenFromRow(rows[0]) : undefined);
  return {
    async create(token) {
      await sql`INSERT INTO join_tokens (id, secret_hash, hostname_pattern, uses, expires_at, created_at, created_by)
        VALUES (${token.id}, ${token.secretHash}, ${token.hostnamePattern}, ${token.uses}, ${token.expiresAt}, ${token.createdAt}, ${token.createdBy})`;
    },
    get: async (id) => record(await sql`SELECT * FROM join_tokens WHERE id = ${id}`),
    list: async () => ((await sql`SELECT * FROM join_tokens ORDER BY created_at DESC, id`) as JoinTokenRow[]).map(joinTokenFromRow),
    consume: async (id, now) =>
      record(await sql`UPDATE join_tokens SET used = used + 1, last_used_at = ${now} WHERE id = ${id} AND revoked_at IS NULL AND expires_at > ${now} AND used < uses RETURNING *`),
    revoke: async (id, by, now) => record(await sql`UPDATE join_tokens SET revoked_at = ${now}, revoked_by = ${by} WHERE id = ${id} AND revoked_at IS NULL RETURNING *`),
  };
}
