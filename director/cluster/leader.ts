import type { SQL } from 'bun';
import type { Logger } from '../../shared/log.ts';
import { ADVISORY_LOCKS } from '../store/postgres.ts';
import { ignoredError } from '../../shared/ignored.ts';

/** Whether this director runs the store-wide background work now. */
export interface Leadership {
  isLeader(): boolean;
  start(): void;
  stop(): Promise<void>;
}

/** The embedded store has one director: it always leads. */
export const soleLeader: Leadership = { isLeader: () => true, start() {}, stop: async () => {} };

/**
 * Leader election on PostgreSQL: a session advisory lock held on one reserved connection. Every
 * `intervalMs` a follower tries to take it and the leader checks that its connection still works;
 * when a leader dies its connection closes, the server releases the lock, and another director takes
 * over at its next try (so within about `intervalMs`).
 */
export function postgresLeadership(sql: SQL, log: Logger, intervalMs = 1000): Leadership {
  let leader = false;
  let conn: Awaited<ReturnType<SQL['reserve']>> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let busy = false;

  const drop = (why: string) => {
    if (leader) log.warn('lost leadership for background work', { why });
    leader = false;
    try {
      conn?.release();
    } catch (error) {
      ignoredError(log, 'leader.release', 'the lost connection could not be given back; it is dropped anyway', error);
    }
    conn = undefined;
  };
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      conn ??= await sql.reserve();
      if (leader) {
        await conn`SELECT 1`;
      } else {
        const [row] = await conn`SELECT pg_try_advisory_lock(${ADVISORY_LOCKS.leader}) AS ok`;
        if (row.ok) {
          leader = true;
          log.info('became leader for background work', {});
        }
      }
    } catch (error) {
      drop((error as Error).message);
    } finally {
      busy = false;
    }
  };
  return {
    isLeader: () => leader,
    start() {
      void tick();
      timer = setInterval(() => void tick(), intervalMs);
      timer.unref?.();
    },
    async stop() {
      clearInterval(timer);
      // The lock goes with the connection anyway; unlocking first only hands over sooner.
      if (conn && leader) await conn`SELECT pg_advisory_unlock(${ADVISORY_LOCKS.leader})`.catch((error: unknown) => ignoredError(log, 'leader.unlock', 'released with the connection instead', error));
      leader = false;
      try {
        conn?.release();
      } catch (error) {
        ignoredError(log, 'leader.release', 'stopping: the connection is closed with the pool anyway', error);
      }
      conn = undefined;
    },
  };
}
