import type { SQL } from 'bun';
import { apiClientColumns, apiClientFromRow, type ApiClientRow, type ApiClientStore } from './store.ts';

/** ApiClientStore on PostgreSQL (Bun.sql), shared by every director: a client disabled through one is refused by all at once. */
export function createPostgresApiClientStore(sql: SQL): ApiClientStore {
  const records = (rows: ApiClientRow[]) => rows.map(apiClientFromRow);
  return {
    async create(client) {
      const row = apiClientColumns(client);
      const written = await sql`INSERT INTO api_clients (id, name, secret_hash, scopes, users, pools, owners, created_at, created_by)
        VALUES (${row.id}, ${row.name}, ${row.secretHash}, ${row.scopes}, ${row.users}, ${row.pools}, ${row.owners}, ${row.createdAt}, ${row.createdBy}) ON CONFLICT DO NOTHING RETURNING id`;
      return written.length === 1 ? 'created' : 'name-taken';
    },
    get: async (id) => records(await sql`SELECT * FROM api_clients WHERE id = ${id}`)[0],
    list: async () => records(await sql`SELECT * FROM api_clients ORDER BY created_at DESC, id`),
    disable: async (id, by, now) => records(await sql`UPDATE api_clients SET disabled_by = ${by}, disabled_at = ${now} WHERE id = ${id} AND disabled_at IS NULL RETURNING *`)[0],
    rotate: async (id, secretHash, now) => records(await sql`UPDATE api_clients SET secret_hash = ${secretHash}, rotated_at = ${now} WHERE id = ${id} AND disabled_at IS NULL RETURNING *`)[0],
  };
}
