import type { Database } from 'bun:sqlite';

/** Login failures per throttle key (an opaque string: the throttle decides what it means). */
export interface ThrottleEntry {
  key: string;
  /** Epoch milliseconds of the recent failures, oldest first. */
  failures: number[];
}

/** Login throttle failures that survive a restart; on PostgreSQL shared by every director. */
export interface ThrottleStore {
  /** Entries with at least one failure at or after `since`; with `keys`, only those keys. */
  loadThrottle(since: number, keys?: string[]): Promise<ThrottleEntry[]>;
  /** One transaction: `put` replaces each key's failures, `removed` keys go. */
  saveThrottle(put: ThrottleEntry[], removed: string[]): Promise<void>;
}

/** ThrottleStore on the embedded database (table login_throttle); a save is one transaction. */
export function createSqliteThrottleStore(db: Database): ThrottleStore {
  const statements = {
    all: db.query<{ key: string; failures: string }, [number]>('SELECT key, failures FROM login_throttle WHERE newest >= ?'),
    byKey: db.query<{ key: string; failures: string }, [string, number]>('SELECT key, failures FROM login_throttle WHERE key = ? AND newest >= ?'),
    purge: db.query('DELETE FROM login_throttle WHERE newest < ?'),
    put: db.query('INSERT OR REPLACE INTO login_throttle (key, failures, newest) VALUES (?, ?, ?)'),
    drop: db.query('DELETE FROM login_throttle WHERE key = ?'),
  };
  const save = db.transaction((put: ThrottleEntry[], removed: string[]) => {
    for (const key of removed) statements.drop.run(key);
    for (const entry of put) statements.put.run(entry.key, JSON.stringify(entry.failures), entry.failures.at(-1) ?? 0);
  });
  const entry = (row: { key: string; failures: string }) => ({ key: row.key, failures: JSON.parse(row.failures) as number[] });
  return {
    async loadThrottle(since, keys) {
      if (keys) return keys.flatMap((key) => statements.byKey.all(key, since)).map(entry);
      statements.purge.run(since);
      return statements.all.all(since).map(entry);
    },
    async saveThrottle(put, removed) {
      save(put, removed);
    },
  };
}
