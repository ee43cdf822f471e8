import type { SQL } from 'bun';
import type { TotpSecretStore } from './totp-store.ts';

/** TotpSecretStore on PostgreSQL: the same conditional writes as the sqlite store. */
export function createPostgresTotpStore(sql: SQL): TotpSecretStore {
  return {
    async get(username) {
      const [row] = await sql`SELECT secret, confirmed, last_time_step FROM totp_secrets WHERE username = ${username}`;
      return row ? { secret: row.secret, confirmed: row.confirmed === true, lastTimeStep: Number(row.last_time_step) } : undefined;
    },
    async putPending(username, secret, now) {
      const result = await sql`INSERT INTO totp_secrets (username, secret, confirmed, last_time_step, created_at) VALUES (${username}, ${secret}, false, -1, ${now})
        ON CONFLICT (username) DO UPDATE SET secret = EXCLUDED.secret, created_at = EXCLUDED.created_at, last_time_step = -1 WHERE totp_secrets.confirmed = false`;
      return result.count === 1;
    },
    async accept(username, step, now, seen) {
      const result = await sql`UPDATE totp_secrets SET last_time_step = ${step}, confirmed = true, confirmed_at = COALESCE(confirmed_at, ${now})
        WHERE username = ${username} AND last_time_step < ${step} AND confirmed = ${seen.confirmed} AND last_time_step = ${seen.lastTimeStep}`;
      return result.count === 1;
    },
    async remove(username) {
      await sql`DELETE FROM totp_secrets WHERE username = ${username}`;
    },
  };
}
