import type { SQL } from 'bun';
import { isStoreDown, storeUnavailable } from '../store/availability.ts';
import { ADVISORY_LOCKS } from '../store/postgres.ts';

/** Runs `fn` while no other director places a session for `owner`. */
export type PlacementLock = <T>(owner: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Placement serialised per owner across directors: a transaction holds
 * pg_advisory_xact_lock(placement, hashtext(owner)) around the check-then-create, so a second
 * director's create for the same owner waits until the first has stored its session. The lock goes
 * with the transaction, so a director killed mid-create releases it with its connection. Hash
 * collisions only serialise two owners needlessly. The store unreachable: 503 STORE_UNAVAILABLE.
 * `sql` must be a pool of its own: each held lock keeps one of its connections while the placement's
 * own store calls go through the main pool.
 */
export function postgresPlacementLock(sql: SQL): PlacementLock {
  return async (owner, fn) => {
    try {
      return await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS.placement}, hashtext(${owner}))`;
        return fn();
      });
    } catch (err) {
      if (isStoreDown(err)) throw storeUnavailable();
      throw err;
    }
  };
}
