import type { SQL } from 'bun';
import { isStoreDown, storeUnavailable } from '../store/availability.ts';
import { ADVISORY_LOCKS } from '../store/postgres.ts';

/** Runs `fn` while no other director places a session for `user`. */
export type PlacementLock = <T>(user: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Placement serialised per user across directors: a transaction holds
 * pg_advisory_xact_lock(space, hashtext(user)) around the check-then-create, so a second director's
 * create for the same user waits until the first has stored its session. `beforePlacing` re-reads that
 * user's runtime state from the store inside the lock (the session the other director just made). The
 * lock goes with the transaction, so a director killed mid-create releases it with its connection.
 * Hash collisions only serialise two users needlessly. The store unreachable: 503 STORE_UNAVAILABLE.
 * `sql` must be a pool of its own: each held lock keeps one of its connections while the placement's
 * own store calls (the re-read, the new session's write) go through the main pool.
 */
export function postgresPlacementLock(sql: SQL, beforePlacing: (user: string) => Promise<void>): PlacementLock {
  return async (user, fn) => {
    try {
      return await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS.placement}, hashtext(${user}))`;
        await beforePlacing(user);
        return fn();
      });
    } catch (err) {
      if (isStoreDown(err)) throw storeUnavailable();
      throw err;
    }
  };
}
