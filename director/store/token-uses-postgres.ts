import type { SQL } from 'bun';
import type { Logger } from '../../shared/log.ts';
import { isStoreDown } from './availability.ts';
import type { TokenUseStore } from './runtime-stores.ts';

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

/**
 * Shared counts while PostgreSQL answers; when it cannot be reached, this director's own counts (in
 * its local store) so DCV connections keep being verified, each such use reported to `onLocal` (a
 * metric). A token can then be used up to max uses on each director until the store is back.
 */
export function fallbackTokenUses(shared: TokenUseStore, local: TokenUseStore, log: Logger, onLocal: () => void): TokenUseStore {
  return {
    async addUse(jti, expiresAt) {
      try {
        return await shared.addUse(jti, expiresAt);
      } catch (err) {
        if (!isStoreDown(err)) throw err;
        onLocal();
        log.debug('connection token use counted on this director only (store unreachable)', {});
        return local.addUse(jti, expiresAt);
      }
    },
    async purgeExpired(before) {
      const purged = await local.purgeExpired(before);
      return purged + (await shared.purgeExpired(before).catch(() => 0));
    },
  };
}
