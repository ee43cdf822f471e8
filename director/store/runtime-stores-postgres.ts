import type { SQL } from 'bun';
import type { RuntimeStores, ServerSnapshot, ThrottleEntry } from './runtime-stores.ts';
import { createPostgresTokenUses } from './token-uses-postgres.ts';

interface ServerRow {
  entry: ServerSnapshot['server'];
  sessions: ServerSnapshot['sessions'];
}

const snapshot = (r: ServerRow): ServerSnapshot => ({ server: r.entry, sessions: r.sessions });

/**
 * RuntimeStores on PostgreSQL (migration 7), shared by every director. A save is one statement per
 * kind however many servers it names (rows travel as one JSON array), so a director writing the
 * changes of a thousand agents each second costs one round trip and one commit.
 */
export function createPostgresRuntimeStores(sql: SQL): RuntimeStores {
  return {
    ...createPostgresTokenUses(sql),
    async loadServers(ids) {
      const rows: ServerRow[] = ids
        ? await sql`SELECT entry, sessions FROM runtime_servers WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::text::jsonb))`
        : await sql`SELECT entry, sessions FROM runtime_servers`;
      return rows.map(snapshot);
    },
    async serversWithSessionsOf(owner) {
      const rows: ServerRow[] = await sql`SELECT entry, sessions FROM runtime_servers WHERE sessions @> ${JSON.stringify([{ owner }])}::text::jsonb`;
      return rows.map(snapshot);
    },
    async saveServers(put, removed) {
      const now = Date.now();
      const rows = JSON.stringify(put.map((s) => ({ id: s.server.id, guid: s.server.guid, entry: s.server, sessions: s.sessions })));
      await sql.begin(async (tx) => {
        if (removed.length) await tx`DELETE FROM runtime_servers WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(removed)}::text::jsonb))`;
        if (put.length) {
          await tx`INSERT INTO runtime_servers (id, guid, entry, sessions, written_at)
            SELECT id, guid, entry, sessions, ${now} FROM jsonb_to_recordset(${rows}::text::jsonb) AS x(id TEXT, guid TEXT, entry JSONB, sessions JSONB)
            ON CONFLICT (id) DO UPDATE SET guid = EXCLUDED.guid, entry = EXCLUDED.entry, sessions = EXCLUDED.sessions, written_at = EXCLUDED.written_at`;
        }
      });
    },
    async loadThrottle(since, keys) {
      if (!keys) await sql`DELETE FROM login_throttle WHERE newest < ${since}`;
      const rows: { key: string; failures: number[] }[] = keys
        ? await sql`SELECT key, failures FROM login_throttle WHERE newest >= ${since} AND key IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::text::jsonb))`
        : await sql`SELECT key, failures FROM login_throttle WHERE newest >= ${since}`;
      return rows.map((r) => ({ key: r.key, failures: r.failures }));
    },
    async saveThrottle(put: ThrottleEntry[], removed: string[]) {
      const rows = JSON.stringify(put.map((e) => ({ key: e.key, failures: e.failures, newest: e.failures.at(-1) ?? 0 })));
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
