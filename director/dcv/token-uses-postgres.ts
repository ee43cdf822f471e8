import type { SQL } from 'bun';
import type { TokenUseStore } from './token-uses.ts';

/** TokenUseStore on PostgreSQL: one atomic upsert per use, so every director counts against one total. */
export function createPostgresTokenUses(sql: SQL): TokenUseStore {
  return {
    async addUse(jti, expiresAt) {
      const [row] = await sql`INSERT INTO connection_token_uses (jti, uses, expires_at) VALUES (${jti}, 1, ${expiresAt})
        ON CONFLICT (jti) DO UPDATE SET uses = connection_token_uses.uses + 1 RETURNING uses`;
      return row.uses;
    },
    async purgeExpired(before) {
      return (await sql`DELETE FROM connection_token_uses WHERE expires_at < ${before}`).count;
    },
  };
}
