import type { SQL } from 'bun';
import type { ThrottleEntry, ThrottleStore } from './throttle-store.ts';

/** ThrottleStore on PostgreSQL: one statement per kind however many keys a save names. */
export function createPostgresThrottleStore(sql: SQL): ThrottleStore {
  return {
    async loadThrottle(since, keys) {
      if (!keys) await sql`DELETE FROM login_throttle WHERE newest < ${since}`;
      const rows: { key: string; failures: number[] }[] = keys
        ? await sql`SELECT key, failures FROM login_throttle WHERE newest >= ${since} AND key IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::text::jsonb))`
        : await sql`SELECT key, failures FROM login_throttle WHERE newest >= ${since}`;
      return rows.map((row) => ({ key: row.key, failures: row.failures }));
    },
    async saveThrottle(put: ThrottleEntry[], removed: string[]) {
      const rows = JSON.stringify(put.map((entry) => ({ key: entry.key, failures: entry.failures, newest: entry.failures.at(-1) ?? 0 })));
      await sql.begin(async (tx) => {
        if (removed.length) await tx`DELETE FROM login_throttle WHERE key IN (SELECT jsonb_array_elements_text(${JSON.stringify(removed)}::text::jsonb))`;
        if (put.length) {
          await tx`INSERT INTO login_throttle (key, failures, newest)
            SELECT key, failures, newest FROM jsonb_to_recordset(${rows}::text::jsonb) AS x(key TEXT, failures JSONB, newest BIGINT)
            ON CONFLICT (key) DO UPDATE SET failures = EXCLUDED.failures, newest = EXCLUDED.newest`;
        }
      });
    },
  };
}
