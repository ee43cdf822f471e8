import type { SQL } from 'bun';
import type { TotpSecretStore } from './totp-store.ts';

/** TotpSecretStore on PostgreSQL: the same conditional writes as the sqlite store. */
export function createPostgresTotpStore(sql: SQL): TotpSecretStore {
  return {
    async get(username) {
      const [r] = await sql`SELECT secret, confirmed, last_time_step FROM totp_secrets WHERE username = ${username}`;
      return r ? { secret: r.secret, confirmed: r.confirmed === true, lastTimeStep: Number(r.last_time_step) } : undefined;
    },
    async putPending(username, secret, now) {
      const r = await sql`INSERT INTO totp_secrets (username, secret, confirmed, last_time_step, created_at) VALUES (${username}, ${secret}, false, -1, ${now})
        ON CONFLICT (username) DO UPDATE SET secret = EXCLUDED.secret, created_at = EXCLUDED.created_at, last_time_step = -1 WHERE totp_secrets.confirmed = false`;
      return r.count === 1;
    },
    async accept(username, step, now, seen) {
      const r = await sql`UPDATE totp_secrets SET last_time_step = ${step}, confirmed = true, confirmed_at = COALESCE(confirmed_at, ${now})
        WHERE username = ${username} AND last_time_step < ${step} AND confirmed = ${seen.confirmed} AND last_time_step = ${seen.lastTimeStep}`;
      return r.count === 1;
    },
    async remove(username) {
      await sql`DELETE FROM totp_secrets WHERE username = ${username}`;
    },
  };
}
