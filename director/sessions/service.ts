import { isSessionId, isUserName, type SessionType } from '../../shared/api/agent-wire.ts';
import type { Clock } from '../../shared/clock.ts';
import { ApiError, badRequest, forbidden, notFound } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { AgentTimeoutError } from '../agent-client/agent-timeout.ts';
import type { AgentClient } from '../agent-client/client.ts';
import type { AuditLog } from '../audit/types.ts';
import { entitlements, mayUseServer, poolMembers } from '../policy/evaluate.ts';
import type { PolicyHolder } from '../policy/holder.ts';
import { excludedFromPlacement, hostFailureReason, type HealthReason } from '../servers/health.ts';
import type { RuntimeState, ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import type { PlacementMetrics } from '../metrics/director-metrics.ts';
import { createWithFailover, PLACEMENT_DEADLINE_SLACK_MS, type UnusableMember } from './failover.ts';
import { existingSession, type Candidate } from './placement.ts';
import { newSessionId } from './session-ids.ts';
import type { PlacementLock } from './placement-lock.ts';
import { isManaged, policyAllows } from './trust.ts';

export interface SessionServiceDeps {
  state: RuntimeState;
  policy: PolicyHolder;
  agents: AgentClient;
  audit: AuditLog;
  log: Logger;
  offlineAfterMs: number;
  clock: Clock;
  /** The director's agent_request_timeout; a pool create may take this + 5 s over all its attempts. */
  agentRequestTimeoutMs: number;
  /** How long placement skips a server after a create failed there for a host-side reason. */
  cooldownMs: number;
  /** Counts each failed create attempt by health reason (metrics). */
  onPlacementFailure?: (reason: HealthReason) => void;
  /** Times pool placements by outcome (metrics). */
  placementMetrics?: PlacementMetrics;
  /** Makes a server's state durable (a new session must survive a director crash); see state-writer.ts. */
  persist?: (serverId: string) => Promise<void>;
  /** Several directors: serialises a user's placements across them (placement-lock.ts); absent = this director only. */
  placementLock?: PlacementLock;
}

export interface UserRef {
  user: string;
  groups: readonly string[];
}

/** Session placement, creation and closing on behalf of users and admins. */
export class SessionService {
  /** One create at a time per user, so a double click cannot start two sessions. */
  private readonly userLocks = new Map<string, Promise<unknown>>();

  constructor(private readonly d: SessionServiceDeps) {}

  /** Online server by id, or a clear 404/503. */
  onlineServer(id: string): ServerEntry {
    const server = this.d.state.server(id);
    if (!server) throw notFound('SERVER_NOT_FOUND', `no server named ${id}`);
    if (!this.d.state.isOnline(server, this.d.offlineAfterMs)) throw new ApiError(503, 'SERVER_OFFLINE', `${id} is offline`);
    return server;
  }

  /** POST /v1/user/sessions: a server the user may use directly, or a pool (placement + reconnect). */
  createForUser(who: UserRef, target: { serverId?: string; poolId?: string }, type: SessionType): Promise<{ session: SessionEntry; reconnected: boolean }> {
    const acrossDirectors = this.d.placementLock ?? ((_user, fn) => fn());
    const placing = this.locked(who.user, () =>
      acrossDirectors(who.user, async () => {
        const policy = this.d.policy.current;
        const entitled = entitlements(policy, who.user, who.groups);
        if (target.poolId === undefined) {
          const id = target.serverId!;
          if (!mayUseServer(entitled, id)) throw forbidden('NOT_PERMITTED', 'you may not use this server');
          const server = this.usableServer(id);
          const existing = existingSession([{ server, sessions: this.d.state.sessionsOn(server.id) }], who.user, type);
          if (existing) return { session: existing, reconnected: true };
          return { session: await this.create(server, who.user, type, newSessionId(who.user), who.user), reconnected: false };
        }
        const poolId = target.poolId;
        if (!entitled.pools.has(poolId)) {
          throw policy.pools.has(poolId) ? forbidden('NOT_PERMITTED', 'you may not use this pool') : notFound('POOL_NOT_FOUND', 'no such pool');
        }
        const online = poolMembers(policy, poolId, this.d.state.serverIds())
          .map((id) => this.d.state.server(id))
          .filter((s): s is ServerEntry => !!s && this.d.state.isOnline(s, this.d.offlineAfterMs));
        // Reconnect looks at every online member: a session on a host that turned unhealthy still exists.
        const all: Candidate[] = online.map((server) => ({ server, sessions: this.d.state.sessionsOn(server.id) }));
        const existing = existingSession(all, who.user, type);
        if (existing) return { session: existing, reconnected: true };
        const candidates: Candidate[] = [];
        const unhealthy: UnusableMember[] = [];
        for (const candidate of all) {
          // Loaded after a director restart and not updated since: good for reconnects, not for placement.
          if (candidate.server.stale) continue;
          const health = this.d.state.health(candidate.server);
          if (excludedFromPlacement(health)) unhealthy.push({ serverId: candidate.server.id, reason: health.reason!, message: health.message ?? '', at: health.since });
          else candidates.push({ ...candidate, lastResort: health.status === 'unhealthy' });
        }
        const session = await createWithFailover({
          pool: poolId,
          type,
          candidates,
          unhealthy,
          now: () => this.d.clock.now(),
          deadline: this.d.clock.now() + this.d.agentRequestTimeoutMs + PLACEMENT_DEADLINE_SLACK_MS,
          // A fresh id per attempt: an attempt the director gave up on may still finish on its host.
          attempt: (server, timeoutMs) => this.create(server, who.user, type, newSessionId(who.user), who.user, poolId, timeoutMs),
        });
        return { session, reconnected: false };
      }),
    );
    return target.poolId !== undefined && this.d.placementMetrics ? this.d.placementMetrics.track(placing) : placing;
  }

  /**
   * POST /v1/sessions (admin): any server, optional session id. For a user the policy does not allow on
   * that server: 403 NOT_PERMITTED unless `override`, which is audited on its own.
   */
  async createAsAdmin(admin: string, serverId: string, userId: string, type: SessionType, sessionId?: string, override = false): Promise<SessionEntry> {
    if (!isUserName(userId)) throw badRequest('INVALID_USER', 'userId is not a valid user name');
    const id = sessionId ?? newSessionId(userId);
    if (!isSessionId(id)) throw badRequest('INVALID_SESSION_ID', 'sessionId is not a valid DCV session id');
    if (this.d.state.session(id)) throw new ApiError(409, 'SESSION_EXISTS', 'a session with this id exists');
    const server = this.usableServer(serverId);
    if (!policyAllows(this.d.policy.current, userId, server.id, () => this.d.state.serverIds())) {
      if (!override) throw forbidden('NOT_PERMITTED', `the policy does not allow ${userId} on ${server.id}; send "override": true to create it anyway`);
      this.d.audit.record({ type: 'session.create.override', actor: admin, target: id, outcome: 'success', detail: `${server.id} for ${userId}: not allowed by the policy` });
    }
    return this.create(server, userId, type, id, admin);
  }

  /** Whether a session is managed (created here, or its owner may use its server): see trust.ts. */
  managed(session: SessionEntry, ownerGroups?: readonly string[]): boolean {
    return isManaged(this.d.policy.current, session, () => this.d.state.serverIds(), ownerGroups);
  }

  /**
   * A server picked by name (not through a pool): online, and not known to have a broken dcv. A server
   * cooling down after a failed create is still tried: the caller has no other host to go to.
   */
  private usableServer(id: string): ServerEntry {
    const server = this.onlineServer(id);
    if (server.dcvError !== null) {
      throw new ApiError(503, 'SERVER_UNHEALTHY', `${id} cannot start sessions now: DCV_UNAVAILABLE: ${server.dcvError}`, undefined, undefined, { reason: 'DCV_UNAVAILABLE' });
    }
    return server;
  }

  /**
   * Closes a session through its agent. Users may close only what their own list shows (ownSession:
   * managed under their token's groups, not orphaned); admins any session.
   */
  async close(sessionId: string, by: { user: string; admin: boolean; groups?: readonly string[] }): Promise<void> {
    if (!isSessionId(sessionId)) throw badRequest('INVALID_SESSION_ID', 'not a valid session id');
    const session = by.admin ? this.d.state.session(sessionId) : this.ownSession(sessionId, by.user, by.groups);
    if (!session) throw notFound('SESSION_NOT_FOUND', 'no such session');
    if (session.orphaned) {
      // Its agent is revoked: the director will not talk to that host again, so it forgets the session
      // (closing it on the host, if it still runs there, is the host owner's job).
      this.d.state.removeSession(sessionId);
      this.d.audit.record({ type: 'session.close', actor: by.user, target: sessionId, outcome: 'success', detail: `${session.serverId} (orphaned: agent revoked, host not contacted)` });
      return;
    }
    const server = this.d.state.server(session.serverId);
    if (!server) throw notFound('SERVER_NOT_FOUND', 'the session’s server is gone');
    try {
      await this.d.agents.closeSession(server, sessionId);
    } catch (err) {
      // The host no longer has it (closed there, or reaped): the goal is reached, forget it.
      const gone = err instanceof ApiError && err.code === 'SESSION_NOT_FOUND';
      if (gone) {
        this.d.state.removeSession(sessionId);
        this.d.audit.record({ type: 'session.close', actor: by.user, target: sessionId, outcome: 'success', detail: `${server.id} (already gone on the host)` });
        return;
      }
      this.d.audit.record({ type: 'session.close', actor: by.user, target: sessionId, outcome: 'failure', detail: (err as Error).message.slice(0, 200) });
      throw err;
    }
    this.d.state.removeSession(sessionId);
    this.d.audit.record({ type: 'session.close', actor: by.user, target: sessionId, outcome: 'success', detail: server.id });
  }

  /** A session the user owns (404 otherwise: do not reveal others' sessions). */
  ownSession(sessionId: string, user: string, groups?: readonly string[]): SessionEntry {
    const found = isSessionId(sessionId) ? this.d.state.session(sessionId) : undefined;
    if (!found || found.owner !== user || found.orphaned || !this.managed(found, groups)) throw notFound('SESSION_NOT_FOUND', 'no such session');
    return found;
  }

  private create(server: ServerEntry, owner: string, type: SessionType, id: string, actor: string, pool?: string, timeoutMs?: number): Promise<SessionEntry> {
    if (type !== 'console') return this.createNow(server, owner, type, id, actor, pool, timeoutMs);
    // DCV allows one console session per host: serialise console creates per server and re-check.
    return this.locked(`console:${server.id}`, async () => {
      if (this.d.state.sessionsOn(server.id).some((s) => s.type === 'console')) {
        throw new ApiError(409, 'CONSOLE_IN_USE', 'this server already has a console session');
      }
      return this.createNow(server, owner, type, id, actor, pool, timeoutMs);
    });
  }

  private async createNow(server: ServerEntry, owner: string, type: SessionType, id: string, actor: string, pool?: string, timeoutMs?: number): Promise<SessionEntry> {
    try {
      const res = await this.d.agents.createSession(server, { userId: owner, sessionType: type, sessionId: id }, { timeoutMs });
      this.d.state.markSucceeded(server.id);
      const reported = res.session;
      // The agent's id wins: a Go dcvix agent may answer with an existing session of this owner and type.
      const sid = reported.id;
      const entry = this.d.state.addSession({
        ...reported,
        id: sid,
        owner,
        type,
        numOfConnections: reported.numOfConnections ?? 0,
        serverId: server.id,
        createdByDirector: true,
        ...(pool ? { pool } : {}),
      });
      await this.d.persist?.(server.id).catch((error) => this.d.log.error('new session not persisted', { sessionId: sid, error }));
      this.d.audit.record({
        type: 'session.create',
        actor,
        target: sid,
        outcome: 'success',
        detail: `${server.id} ${type} for ${owner}${sid === id ? '' : ` (agent reused ${sid} instead of ${id})`}`,
      });
      this.d.log.info('session created', { sessionId: sid, server: server.id, owner, type, pool });
      return entry;
    } catch (err) {
      this.d.audit.record({ type: 'session.create', actor, target: id, outcome: 'failure', detail: `${server.id}: ${(err as Error).message.slice(0, 200)}` });
      const reason = hostFailureReason(err);
      // An attempt the pool's overall deadline cut below agent_request_timeout says nothing about the
      // host: it may just need the usual few seconds. Not marked, so a healthy host is not skipped.
      const cutShort = err instanceof AgentTimeoutError && err.limitMs < this.d.agentRequestTimeoutMs;
      if (cutShort) this.d.log.info('session create cut short by the request deadline; host not marked', { server: server.id, limitMs: err.limitMs });
      else if (reason) {
        this.d.state.markFailed(server.id, reason, (err as Error).message, this.d.clock.now() + this.d.cooldownMs);
        this.d.onPlacementFailure?.(reason);
        this.d.log.warn('session create failed on the host; skipping it for placement', { server: server.id, reason, error: (err as Error).message, cooldownMs: this.d.cooldownMs });
      }
      throw err;
    }
  }

  private locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prior = this.userLocks.get(key) ?? Promise.resolve();
    const next = prior.catch(() => {}).then(fn);
    this.userLocks.set(key, next);
    void next
      .catch(() => {})
      .finally(() => {
        if (this.userLocks.get(key) === next) this.userLocks.delete(key);
      });
    return next;
  }
}
