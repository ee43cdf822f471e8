import type { Database } from 'bun:sqlite';
import type { RuntimeStores, ServerSnapshot, ThrottleEntry } from './runtime-stores.ts';

/**
 * RuntimeStores on agents.db (migration 004). Statements are prepared once; every save is one
 * transaction, so a flush of a thousand servers costs one commit.
 */
export function createSqliteRuntimeStores(db: Database): RuntimeStores {
  const statements = {
    servers: db.query<{ entry: string; sessions: string }, []>('SELECT entry, sessions FROM runtime_servers'),
    serverById: db.query<{ entry: string; sessions: string }, [string]>('SELECT entry, sessions FROM runtime_servers WHERE id = ?'),
    serversOf: db.query<{ entry: string; sessions: string }, [string]>(
      "SELECT entry, sessions FROM runtime_servers WHERE EXISTS (SELECT 1 FROM json_each(sessions) WHERE json_extract(value, '$.owner') = ?)",
    ),
    putServer: db.query('INSERT OR REPLACE INTO runtime_servers (id, guid, entry, sessions, written_at) VALUES (?, ?, ?, ?, ?)'),
    dropServer: db.query('DELETE FROM runtime_servers WHERE id = ?'),
    addUse: db.query<{ uses: number }, [string, number]>('INSERT INTO connection_token_uses (jti, uses, expires_at) VALUES (?1, 1, ?2) ON CONFLICT (jti) DO UPDATE SET uses = uses + 1 RETURNING uses'),
    purgeUses: db.query('DELETE FROM connection_token_uses WHERE expires_at < ?'),
    throttle: db.query<{ key: string; failures: string }, [number]>('SELECT key, failures FROM login_throttle WHERE newest >= ?'),
    throttleKey: db.query<{ key: string; failures: string }, [string, number]>('SELECT key, failures FROM login_throttle WHERE key = ? AND newest >= ?'),
    purgeThrottle: db.query('DELETE FROM login_throttle WHERE newest < ?'),
    putThrottle: db.query('INSERT OR REPLACE INTO login_throttle (key, failures, newest) VALUES (?, ?, ?)'),
    dropThrottle: db.query('DELETE FROM login_throttle WHERE key = ?'),
  };
  const saveServers = db.transaction((put: ServerSnapshot[], removed: string[]) => {
    const now = Date.now();
    for (const id of removed) statements.dropServer.run(id);
    for (const snapshot of put) statements.putServer.run(snapshot.server.id, snapshot.server.guid, JSON.stringify(snapshot.server), JSON.stringify(snapshot.sessions), now);
  });
  const saveThrottle = db.transaction((put: ThrottleEntry[], removed: string[]) => {
    for (const key of removed) statements.dropThrottle.run(key);
    for (const entry of put) statements.putThrottle.run(entry.key, JSON.stringify(entry.failures), entry.failures.at(-1) ?? 0);
  });
  const snapshot = (r: { entry: string; sessions: string }): ServerSnapshot => ({ server: JSON.parse(r.entry), sessions: JSON.parse(r.sessions) });
  return {
    async loadServers(ids) {
      const rows = ids ? ids.flatMap((id) => statements.serverById.all(id)) : statements.servers.all();
      return rows.map(snapshot);
    },
    async serversWithSessionsOf(owner) {
      return statements.serversOf.all(owner).map(snapshot);
    },
    async saveServers(put, removed) {
      saveServers(put, removed);
    },
    async addUse(jti, expiresAt) {
      return statements.addUse.get(jti, expiresAt)!.uses;
    },
    async purgeExpired(before) {
      return statements.purgeUses.run(before).changes;
    },
    async loadThrottle(since, keys) {
      if (keys) return keys.flatMap((k) => statements.throttleKey.all(k, since)).map((r) => ({ key: r.key, failures: JSON.parse(r.failures) }));
      statements.purgeThrottle.run(since);
      return statements.throttle.all(since).map((r) => ({ key: r.key, failures: JSON.parse(r.failures) }));
    },
    async saveThrottle(put, removed) {
      saveThrottle(put, removed);
    },
  };
}
