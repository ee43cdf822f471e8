import type { Database } from 'bun:sqlite';

/** What the revocation list holds: revoked token ids (until their expiry) and per-user validAfter times. */
export interface RevocationSnapshot {
  tokens: { jti: string; expiresAt: number }[];
  validAfter: { user: string; at: number }[];
}

/** Storage of session revocations (async, so a PostgreSQL implementation can sit beside this one). */
export interface RevocationStore {
  /** Every revocation still in force at `now`. */
  load(now: number): Promise<RevocationSnapshot>;
  revokeToken(jti: string, expiresAt: number): Promise<void>;
  setValidAfter(user: string, at: number): Promise<void>;
  /** Drops revoked token ids whose tokens have expired; returns how many. */
  pruneExpired(now: number): Promise<number>;
}

/** RevocationStore on the director database (migration 005). */
export function createSqliteRevocationStore(db: Database): RevocationStore {
  const tokens = db.query<{ jti: string; expires_at: number }, [number]>('SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > ?');
  const users = db.query<{ username: string; valid_after: number }, []>('SELECT username, valid_after FROM user_valid_after');
  const insertToken = db.query('INSERT OR REPLACE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)');
  const upsertUser = db.query('INSERT INTO user_valid_after (username, valid_after) VALUES (?1, ?2) ON CONFLICT (username) DO UPDATE SET valid_after = max(valid_after, ?2)');
  const prune = db.query('DELETE FROM revoked_tokens WHERE expires_at <= ?');
  return {
    async load(now) {
      return {
        tokens: tokens.all(now).map((r) => ({ jti: r.jti, expiresAt: r.expires_at })),
        validAfter: users.all().map((r) => ({ user: r.username, at: r.valid_after })),
      };
    },
    async revokeToken(jti, expiresAt) {
      insertToken.run(jti, expiresAt);
    },
    async setValidAfter(user, at) {
      upsertUser.run(user, at);
    },
    async pruneExpired(now) {
      return prune.run(now).changes;
    },
  };
}
