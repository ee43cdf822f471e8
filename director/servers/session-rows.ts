import type { DcvSession, SessionType } from '../../shared/api/agent-wire.ts';
import type { FleetPlan } from './fleet-plan.ts';
import type { FleetTransaction, SweepBounds } from './fleet-store.ts';
import { healthSinceAfter } from './report-plan.ts';
import type { HealthRules, PlacementFailure } from './health.ts';
import { isLive, type SessionEntry } from './records.ts';

/**
 * The fleet writes other than agent reports, each one transaction deciding on locked rows: the life of
 * a session the director creates (reserve, confirm, abandon), closing and forgetting sessions, a revoked
 * agent's server, a server's create failures, and the housekeeper's sweep.
 */

/** A session id the director is about to ask an agent for. */
export interface Reservation {
  id: string;
  serverId: string;
  /** The agent the director will ask: the reservation holds only while it is registered and holds the server. */
  guid: string;
  owner: string;
  type: SessionType;
  pool?: string;
}

export type ReserveResult = 'reserved' | 'server-gone' | 'drained' | 'full' | 'taken';

/**
 * Reserves a session id before the agent is asked: the row (state creating) makes the id unique across
 * directors, and the check that the agent is still registered and still holds the server runs in the
 * same transaction, so a host revoked a moment ago is not placed on by any director; so is the drain
 * mark, so a host drained through another director a moment ago is not placed on either. A virtual
 * session is counted against the host's max_virtual_sessions here, on the locked server row, with every
 * session row on it that is not closed (creates under way through any director included), so two
 * directors placing at once cannot both take its last place. A closed session's id may be used again.
 */
export function reserve(input: Reservation, now: number): FleetTransaction<ReserveResult> {
  const virtual = input.type === 'virtual';
  return {
    reads: { agents: [input.guid], servers: [input.serverId], sessions: [input.id], ...(virtual ? { sessionsOn: [input.serverId] } : {}) },
    decide(plan) {
      const server = plan.server(input.serverId);
      if (plan.agentState(input.guid) !== 'registered' || server?.state !== 'active' || server.guid !== input.guid) return 'server-gone';
      if (server.drain) return 'drained';
      if (virtual && server.maxVirtualSessions !== undefined && virtualHeld(plan.sessionsOn(server.id)) >= server.maxVirtualSessions) return 'full';
      const existing = plan.session(input.id);
      if (existing && existing.state !== 'closed') return 'taken';
      const row: SessionEntry = {
        id: input.id,
        owner: input.owner,
        type: input.type,
        numOfConnections: 0,
        serverId: input.serverId,
        ...(input.pool ? { pool: input.pool } : {}),
        state: 'creating',
        origin: 'director',
        orphaned: false,
        createdAt: now,
        refreshedAt: now,
      };
      if (existing) plan.putSession(row);
      else plan.insertSession(row);
      return 'reserved';
    },
  };
}

/** Virtual sessions a server holds or is being given: every row not closed (creating, starting, running, abandoned). */
function virtualHeld(rows: readonly SessionEntry[]): number {
  return rows.filter((row) => row.type === 'virtual' && row.state !== 'closed' && !row.orphaned).length;
}

export type ConfirmResult = { kind: 'confirmed'; session: SessionEntry } | { kind: 'revoked'; session: SessionEntry };

/**
 * The agent created the session: the reservation becomes a live session (starting, or running if an
 * update already listed it). The agent's id wins: a Go dcvix agent may answer with an existing session
 * of the owner instead. If the agent was revoked meanwhile, the session is kept as orphaned (admins see
 * it) and the caller is told.
 */
export function confirm(input: Reservation, reported: DcvSession, now: number): FleetTransaction<ConfirmResult> {
  return {
    reads: { agents: [input.guid], servers: [input.serverId], sessions: [...new Set([input.id, reported.id])] },
    decide(plan) {
      if (reported.id !== input.id) plan.dropSession(input.id);
      const row = plan.session(reported.id);
      const revoked = plan.agentState(input.guid) !== 'registered';
      const session: SessionEntry = {
        ...reported,
        owner: input.owner,
        type: input.type,
        serverId: input.serverId,
        ...(row?.pool || input.pool ? { pool: row?.pool ?? input.pool } : {}),
        state: row?.state === 'running' ? 'running' : 'starting',
        origin: 'director',
        orphaned: revoked,
        createdAt: row?.createdAt ?? now,
        refreshedAt: now,
      };
      plan.putSession(session);
      return { kind: revoked ? 'revoked' : 'confirmed', session };
    },
  };
}

export type AbandonResult = { kind: 'dropped' | 'waiting' } | { kind: 'adopted' | 'close'; session: SessionEntry };

/**
 * The create failed. A refusal leaves nothing behind (the row goes). A time-out may still finish on the
 * host (DCV's create runs in its daemon, not in the command the agent killed): the row stays abandoned,
 * and an update that lists the session later adopts or closes it. If an update already listed it, that
 * decision is made now: kept when the owner has no other live session of that type, else to be closed.
 */
export function abandon(input: Reservation, mayAppear: boolean, now: number): FleetTransaction<AbandonResult> {
  return {
    reads: { servers: [input.serverId], sessions: [input.id] },
    more: (plan) => (plan.session(input.id) && isLive(plan.session(input.id)!) ? { liveOf: [input.owner] } : undefined),
    decide(plan) {
      const row = plan.session(input.id);
      if (!row || row.state === 'closed' || row.state === 'abandoned') return { kind: 'dropped' };
      if (row.state === 'creating') {
        if (!mayAppear) {
          plan.dropSession(input.id);
          return { kind: 'dropped' };
        }
        plan.putSession({ ...row, state: 'abandoned', refreshedAt: now });
        return { kind: 'waiting' };
      }
      const others = plan.liveOf(row.owner).filter((live) => live.id !== row.id && live.type === row.type);
      if (others.length === 0) return { kind: 'adopted', session: row };
      const closed: SessionEntry = { ...row, state: 'closed', refreshedAt: now };
      plan.putSession(closed);
      return { kind: 'close', session: closed };
    },
  };
}

/**
 * A session closed through the director: kept as closed for a while (an update sent before the close
 * may still list it; it must not come back), then swept. `forget` deletes at once: an orphaned session
 * (the director no longer talks to its host); the orphaned server goes with its last session.
 */
export function close(sessionId: string, serverId: string, forget: boolean, now: number): FleetTransaction<SessionEntry | undefined> {
  return {
    reads: { servers: [serverId], sessions: [sessionId] },
    // An orphaned server goes with its last session: only then are its other sessions of interest.
    more: (plan) => (plan.server(serverId)?.state === 'orphaned' ? { sessionsOn: [serverId] } : undefined),
    decide(plan) {
      const row = plan.session(sessionId);
      if (!row) return undefined;
      if (forget) plan.dropSession(sessionId);
      else plan.putSession({ ...row, state: 'closed', refreshedAt: now });
      const server = plan.server(row.serverId);
      if (server?.state === 'orphaned' && !plan.sessionsOn(server.id).some((session) => isLive(session) && session.orphaned)) plan.putServer({ ...server, state: 'removed' });
      return row;
    },
  };
}

/**
 * A revoked agent: its server leaves placement at once. With live sessions it is kept as orphaned and
 * they are marked orphaned (admins see them until they close them); without, it is removed. Creates in
 * flight there are dropped. Resolves with how many sessions were orphaned.
 */
export function orphanAgent(guid: string): FleetTransaction<number> {
  return {
    reads: { serversOfGuids: [guid] },
    more: (plan) => ({ sessionsOn: plan.serversOfGuid(guid).map((server) => server.id) }),
    decide(plan) {
      let orphaned = 0;
      for (const server of plan.serversOfGuid(guid)) {
        if (server.state !== 'active') continue;
        const sessions = plan.sessionsOn(server.id);
        const live = sessions.filter(isLive);
        for (const session of sessions) if (session.state === 'creating') plan.dropSession(session.id);
        if (live.length === 0) {
          plan.putServer({ ...server, state: 'removed' });
          for (const session of sessions) plan.dropSession(session.id);
          continue;
        }
        plan.putServer({ ...server, state: 'orphaned' });
        for (const session of live) plan.putSession({ ...session, orphaned: true });
        orphaned += live.length;
      }
      return orphaned;
    },
  };
}

/** A create failed on a server for a host-side reason (failure), or succeeded there (null): health follows. */
export function setPlacementFailure(serverId: string, failure: PlacementFailure | null, rules: HealthRules, now: number): FleetTransaction<boolean> {
  return {
    reads: { servers: [serverId] },
    decide(plan) {
      const server = plan.server(serverId);
      if (!server || (failure === null && server.placementFailure === null)) return false;
      const next = { ...server, placementFailure: failure };
      plan.putServer({ ...next, healthSince: healthSinceAfter(server, next, now, rules) });
      return true;
    },
  };
}

/** What one sweep cleared. */
export interface SweepResult {
  /** Live sessions dropped: their server went silent, or no update ever listed them. */
  stale: string[];
  /** Closed and abandoned rows that had served their purpose. */
  settled: number;
  /** Creates whose director stopped before the agent answered: now abandoned. */
  abandoned: number;
}

/** The housekeeper's sweep of the named servers (see SweepBounds). */
export function sweep(serverIds: string[], bounds: SweepBounds, now: number): FleetTransaction<SweepResult> {
  return {
    reads: { servers: serverIds, sessionsOn: serverIds },
    decide(plan: FleetPlan) {
      const result: SweepResult = { stale: [], settled: 0, abandoned: 0 };
      for (const id of serverIds) {
        const server = plan.server(id);
        const silent = server?.state === 'active' && server.lastSeen < bounds.silentBefore;
        for (const session of plan.sessionsOn(id)) {
          if (isLive(session) && !session.orphaned && (silent || (session.state === 'starting' && session.createdAt < bounds.unconfirmedBefore))) {
            plan.dropSession(session.id);
            result.stale.push(session.id);
          } else if (session.state === 'closed' ? session.refreshedAt < bounds.closedBefore : session.state === 'abandoned' && session.refreshedAt < bounds.abandonedBefore) {
            plan.dropSession(session.id);
            result.settled++;
          } else if (session.state === 'creating' && session.createdAt < bounds.creatingBefore) {
            plan.putSession({ ...session, state: 'abandoned', refreshedAt: now });
            result.abandoned++;
          }
        }
      }
      return result;
    },
  };
}
