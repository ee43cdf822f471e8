import type { FleetTransaction } from './fleet-store.ts';
import type { ServerDrain, ServerEntry } from './records.ts';

/** What a drain or an open did: wrote the mark, found it already so, or found no active server of that id. */
export type DrainOutcome = { kind: 'changed' | 'unchanged'; server: ServerEntry } | { kind: 'not-found' };

/**
 * Puts a server into maintenance (`drain` given) or takes it out (null), on its locked row: a new
 * revision, so every director's memory and cached lists take it, and a reservation on any director
 * reads it in its own transaction. A server already drained keeps its first mark (who, when, why).
 * Only active servers: an orphaned one (its agent revoked) is never placed on anyway.
 */
export function markDrain(serverId: string, drain: ServerDrain | null): FleetTransaction<DrainOutcome> {
  return {
    reads: { servers: [serverId] },
    decide(plan) {
      const server = plan.server(serverId);
      if (server?.state !== 'active') return { kind: 'not-found' };
      if (!!server.drain === !!drain) return { kind: 'unchanged', server };
      return { kind: 'changed', server: plan.putServer({ ...server, drain: drain ?? undefined }) };
    },
  };
}
