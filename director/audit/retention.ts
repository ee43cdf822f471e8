import type { Database } from 'bun:sqlite';

/** Removes audit rows past the retention (async, like every new store interface). */
export interface AuditRetention {
  /** Deletes events recorded before `at` (epoch ms); returns how many. */
  pruneBefore(at: number): Promise<number>;
}

/** AuditRetention on the director database (table audit_events, indexed by time). */
export function createSqliteAuditRetention(db: Database): AuditRetention {
  const del = db.query('DELETE FROM audit_events WHERE at < ?');
  return {
    async pruneBefore(at) {
      return del.run(at).changes;
    },
  };
}
