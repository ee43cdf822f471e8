import type { Database } from 'bun:sqlite';

/** Removes audit rows past the retention (async, like every new store interface). */
export interface AuditRetention {
  /**
   * Deletes events recorded before `at` (epoch ms); returns how many. Per hash chain the events go as a
   * prefix (up to its newest event before `at`), and the hash of the last one deleted is kept as the
   * chain's checkpoint, where verification starts, so pruning is not taken for tampering.
   */
  pruneBefore(at: number): Promise<number>;
}

// A checkpoint only moves forward: two directors pruning at once cannot set it back.
const SQLITE_CHECKPOINT = `
  INSERT INTO audit_checkpoints (chain, last_id, hash, pruned_at)
  SELECT chain, id, hash, ?2 FROM audit_events WHERE id IN (SELECT MAX(id) FROM audit_events WHERE at < ?1 AND chain IS NOT NULL GROUP BY chain)
  ON CONFLICT (chain) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash, pruned_at = excluded.pruned_at WHERE excluded.last_id > audit_checkpoints.last_id`;
const SQLITE_PRUNE = `
  DELETE FROM audit_events
  WHERE (chain IS NULL AND at < ?1) OR id <= (SELECT last_id FROM audit_checkpoints WHERE audit_checkpoints.chain = audit_events.chain)`;

/** AuditRetention on the director database (table audit_events, indexed by time), checkpoint and delete in one transaction. */
export function createSqliteAuditRetention(db: Database): AuditRetention {
  const checkpoint = db.query(SQLITE_CHECKPOINT);
  const del = db.query(SQLITE_PRUNE);
  const prune = db.transaction((at: number) => {
    checkpoint.run(at, Date.now());
    return del.run(at).changes;
  });
  return {
    async pruneBefore(at) {
      return prune(at);
    },
  };
}
