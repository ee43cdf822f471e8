import type { SQL } from 'bun';
import { shareFromRow, STALE_SHARE, type ShareRow, type ShareStore } from './share-store.ts';

/** ShareStore on PostgreSQL (Bun.sql), shared by every director: a share made through one counts on all at once. */
export function createPostgresShareStore(sql: SQL): ShareStore {
  const shares = (rows: ShareRow[]) => rows.map(shareFromRow);
  return {
    async put({ sessionId, user, role, owner, grantedAt }) {
      await sql`INSERT INTO session_shares (session_id, username, role, owner, granted_at) VALUES (${sessionId}, ${user}, ${role}, ${owner}, ${grantedAt})
        ON CONFLICT (session_id, username) DO UPDATE SET role = EXCLUDED.role, owner = EXCLUDED.owner, granted_at = EXCLUDED.granted_at`;
    },
    remove: async (sessionId, user) => shares(await sql`DELETE FROM session_shares WHERE session_id = ${sessionId} AND username = ${user} RETURNING *`)[0],
    get: async (sessionId, user) => shares(await sql`SELECT * FROM session_shares WHERE session_id = ${sessionId} AND username = ${user}`)[0],
    ofSession: async (sessionId) => shares(await sql`SELECT * FROM session_shares WHERE session_id = ${sessionId} ORDER BY username`),
    withUser: async (user) => shares(await sql`SELECT * FROM session_shares WHERE username = ${user} ORDER BY session_id`),
    byOwner: async (owner) => shares(await sql`SELECT * FROM session_shares WHERE owner = ${owner} ORDER BY session_id, username`),
    purgeStale: async () => (await sql.unsafe(`DELETE FROM session_shares WHERE ${STALE_SHARE}`)).count,
  };
}
