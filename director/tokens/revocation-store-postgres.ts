import type { SQL } from 'bun';
import type { RevocationStore } from './revocation-store.ts';

/** RevocationStore on PostgreSQL: the same tables and rules as the sqlite store (validAfter only moves forward). */
export function createPostgresRevocationStore(sql: SQL): RevocationStore {
  return {
    async load(now) {
      const tokens = await sql`SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > ${now}`;
      const users = await sql`SELECT username, valid_after FROM user_valid_after`;
      return {
        tokens: tokens.map((r: { jti: string; expires_at: unknown }) => ({ jti: r.jti, expiresAt: Number(r.expires_at) })),
        validAfter: users.map((r: { username: string; valid_after: unknown }) => ({ user: r.username, at: Number(r.valid_after) })),
      };
    },
    async revokeToken(jti, expiresAt) {
      await sql`INSERT INTO revoked_tokens (jti, expires_at) VALUES (${jti}, ${expiresAt}) ON CONFLICT (jti) DO UPDATE SET expires_at = EXCLUDED.expires_at`;
    },
    async setValidAfter(user, at) {
      await sql`INSERT INTO user_valid_after (username, valid_after) VALUES (${user}, ${at})
        ON CONFLICT (username) DO UPDATE SET valid_after = GREATEST(user_valid_after.valid_after, EXCLUDED.valid_after)`;
    },
    async pruneExpired(now) {
      return (await sql`DELETE FROM revoked_tokens WHERE expires_at <= ${now}`).count;
    },
  };
}
