import type { Database } from 'bun:sqlite';

/** A user's TOTP secret: unconfirmed until a code from it was proved; lastTimeStep guards replays. */
export interface TotpSecret {
  secret: string;
  confirmed: boolean;
  lastTimeStep: number;
}

/**
 * TOTP secrets, one per user (table totp_secrets). Implementations: below (bun:sqlite) and
 * totp-store-postgres.ts; both pass totp-store.contract.ts.
 */
export interface TotpSecretStore {
  get(username: string): Promise<TotpSecret | undefined>;
  /** Stores a new unconfirmed secret unless a confirmed one exists; false = already confirmed. */
  putPending(username: string, secret: string, now: number): Promise<boolean>;
  /**
   * Records an accepted code's time step (and confirms the secret), only if the row is still as it was
   * read (confirmed flag and last step), so two concurrent uses of one code cannot both win.
   */
  accept(username: string, step: number, now: number, seen: TotpSecret): Promise<boolean>;
  remove(username: string): Promise<void>;
}

/** TotpSecretStore on the embedded database (migration 003). */
export function createSqliteTotpStore(db: Database): TotpSecretStore {
  const get = db.query<{ secret: string; confirmed: number; last_time_step: number }, [string]>('SELECT secret, confirmed, last_time_step FROM totp_secrets WHERE username = ?');
  const upsertPending = db.query<never, [string, string, number]>(
    `INSERT INTO totp_secrets (username, secret, confirmed, last_time_step, created_at) VALUES (?1, ?2, 0, -1, ?3)
     ON CONFLICT (username) DO UPDATE SET secret = ?2, created_at = ?3, last_time_step = -1 WHERE confirmed = 0`,
  );
  const accept = db.query<never, [number, number, string, number, number]>(
    'UPDATE totp_secrets SET last_time_step = ?1, confirmed = 1, confirmed_at = COALESCE(confirmed_at, ?2) WHERE username = ?3 AND last_time_step < ?1 AND confirmed = ?4 AND last_time_step = ?5',
  );
  const remove = db.query<never, [string]>('DELETE FROM totp_secrets WHERE username = ?');
  return {
    async get(username) {
      const row = get.get(username);
      return row ? { secret: row.secret, confirmed: row.confirmed === 1, lastTimeStep: row.last_time_step } : undefined;
    },
    async putPending(username, secret, now) {
      return upsertPending.run(username, secret, now).changes === 1;
    },
    async accept(username, step, now, seen) {
      return accept.run(step, now, username, seen.confirmed ? 1 : 0, seen.lastTimeStep).changes === 1;
    },
    async remove(username) {
      remove.run(username);
    },
  };
}
