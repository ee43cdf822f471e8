import type { Database } from 'bun:sqlite';
import type { Logger } from '../../shared/log.ts';
import { isStoreDown } from '../store/availability.ts';

/** How often each connection token was used (DCV asks the verifier once per connection). */
export interface TokenUseStore {
  /** Counts one more use of connection token `jti`, atomically; resolves with the uses so far, this one included. */
  addUse(jti: string, expiresAt: number): Promise<number>;
  /** Forgets tokens that expired before `before`; resolves with how many. */
  purgeExpired(before: number): Promise<number>;
}

/** TokenUseStore on a bun:sqlite database (table connection_token_uses). */
export function createSqliteTokenUses(db: Database): TokenUseStore {
  const add = db.query<{ uses: number }, [string, number]>(
    'INSERT INTO connection_token_uses (jti, uses, expires_at) VALUES (?1, 1, ?2) ON CONFLICT (jti) DO UPDATE SET uses = uses + 1 RETURNING uses',
  );
  const purge = db.query('DELETE FROM connection_token_uses WHERE expires_at < ?');
  return {
    async addUse(jti, expiresAt) {
      return add.get(jti, expiresAt)!.uses;
    },
    async purgeExpired(before) {
      return purge.run(before).changes;
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
      return (
        purged +
        (await shared.purgeExpired(before).catch((error: unknown) => {
          log.debug('expired token uses not purged in the store (it will be on the next sweep)', { error });
          return 0;
        }))
      );
    },
  };
}
