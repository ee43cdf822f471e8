import type { SQL } from 'bun';
import { versionColumns, versionFromRow, versionInfoFromRow, type PolicyVersionRow, type PolicyVersionStore } from './version-store.ts';

/**
 * PolicyVersionStore on PostgreSQL (Bun.sql). append() is one INSERT of `after + 1` guarded by the
 * newest version: two directors saving from the same version both try the same primary key, the
 * second waits for the first one's insert and then finds the key taken (ON CONFLICT DO NOTHING).
 */
export function createPostgresPolicyVersionStore(sql: SQL): PolicyVersionStore {
  return {
    async latest() {
      const rows = (await sql`SELECT * FROM policy_versions ORDER BY version DESC LIMIT 1`) as PolicyVersionRow[];
      return rows[0] ? versionFromRow(rows[0]) : undefined;
    },
    async latestFromFiles() {
      const rows = (await sql`SELECT * FROM policy_versions WHERE source = 'files' ORDER BY version DESC LIMIT 1`) as PolicyVersionRow[];
      return rows[0] ? versionFromRow(rows[0]) : undefined;
    },
    latestNumber: async () => Number((await sql`SELECT COALESCE(MAX(version), 0) AS version FROM policy_versions`)[0].version),
    async append(after, entry) {
      const row = versionColumns(after, entry);
      const rows = (await sql`INSERT INTO policy_versions (version, users, pools, source, created_at, created_by)
        SELECT ${row.version}, ${row.users}, ${row.pools}, ${row.source}, ${row.createdAt}, ${row.createdBy}
        WHERE (SELECT COALESCE(MAX(version), 0) FROM policy_versions) = ${row.after}
        ON CONFLICT (version) DO NOTHING RETURNING *`) as PolicyVersionRow[];
      return rows[0] ? versionFromRow(rows[0]) : undefined;
    },
    history: async (limit) => ((await sql`SELECT version, source, created_at, created_by FROM policy_versions ORDER BY version DESC LIMIT ${limit}`) as PolicyVersionRow[]).map(versionInfoFromRow),
  };
}
