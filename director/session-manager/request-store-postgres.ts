import type { SQL } from 'bun';
import { requestColumns, requestFromRow, type SessionRequestRow, type SessionRequestStore } from './request-store.ts';

/** SessionRequestStore on PostgreSQL (Bun.sql), shared by every director: any of them describes a create another one answered. */
export function createPostgresRequestStore(sql: SQL): SessionRequestStore {
  return {
    async put(request, purgeBefore) {
      const row = requestColumns(request);
      await sql`DELETE FROM session_requests WHERE updated_at < ${purgeBefore} AND state IN ('failed', 'deleted')`;
      await sql`INSERT INTO session_requests (id, owner, client_id, type, name, pool, state, reason, created_at, updated_at)
        VALUES (${row.id}, ${row.owner}, ${row.clientId}, ${row.type}, ${row.name}, ${row.pool}, ${row.state}, ${row.reason}, ${row.createdAt}, ${row.updatedAt})
        ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, client_id = EXCLUDED.client_id, type = EXCLUDED.type, name = EXCLUDED.name, pool = EXCLUDED.pool,
          state = EXCLUDED.state, reason = EXCLUDED.reason, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at`;
    },
    remove: async (id) => void (await sql`DELETE FROM session_requests WHERE id = ${id}`),
    list: async (since) => ((await sql`SELECT * FROM session_requests WHERE updated_at >= ${since}`) as SessionRequestRow[]).map(requestFromRow),
  };
}
