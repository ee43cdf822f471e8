import { isSessionId, isSessionOwner, type SessionType } from '../../shared/api/agent-wire.ts';
import type { Clock } from '../../shared/clock.ts';
import { ApiError, badRequest, forbidden, notFound } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { checkOptions } from '../../shared/options.ts';
import type { AgentClient } from '../agent-client/client.ts';
import type { AuditLog } from '../audit/types.ts';
import { permissionsFileText } from '../../shared/api/dcv-permissions.ts';
import { entitlements, groupsOf, mayUseServer, poolMembers } from '../policy/evaluate.ts';
import { profileFor } from '../policy/permission-profiles.ts';
import type { PolicyHolder } from '../policy/holder.ts';
import { launchSettingsFor } from '../policy/pool-settings.ts';
import type { LaunchSettings } from '../../shared/api/launch-settings.ts';
import type { Requirement } from '../policy/requirements/parse.ts';
import { serverSatisfies } from '../policy/requirements/server-facts.ts';
import type { Fleet } from '../servers/fleet.ts';
import { excludedFromPlacement, type HealthReason, type HealthRules } from '../servers/health.ts';
import type { RuntimeState, ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import { close as closeRow } from '../servers/session-rows.ts';
import type { PlacementMetrics } from '../metrics/director-metrics.ts';
import { createOnServer, type CreateInput } from './create.ts';
import { createWithFailover, PLACEMENT_DEADLINE_SLACK_MS, type UnusableMember } from './failover.ts';
import { CreatesUnderWay, limitRefusalsAudited, userLimitReached } from './limits.ts';
import { consoleOnlyRefusal, existingSession, type Candidate } from './placement.ts';
import { newSessionId } from './session-ids.ts';
import type { PlacementLock } from './placement-lock.ts';
import { isManaged, policyAllows } from './trust.ts';

export interface SessionServiceOptions {
  fleet: Fleet;
  state: RuntimeState;
  policy: PolicyHolder;
  agents: AgentClient;
  audit: AuditLog;
  log: Logger;
  clock: Clock;
  offlineAfterMs: number;
  /** The director's agent_request_timeout; a pool create may take this + 5 s over all its attempts. */
  agentRequestTimeoutMs: number;
  /** How long placement skips a server after a create failed there for a host-side reason. */
  cooldownMs: number;
  healthRules: HealthRules;
  /** Counts each failed create attempt by health reason (metrics). */
  onPlacementFailure?: (reason: HealthReason) => void;
  /** Times pool placements by outcome (metrics). */
  placementMetrics?: PlacementMetrics;
  /** Several directors: holds the owner's lock on every director while placing (absent: this director only). */
  placementLock?: PlacementLock;
}

export interface UserRef {
  user: string;
  groups: readonly string[];
}

/**
 * What an API client's create (the Session Manager API) adds to a pool placement: its own
 * requirements on top of the pool's, launch settings over the pool's (already checked against the
 * pool's allow-list), a permission profile it picked, and who asked, for the audit.
 */
export interface PlacementExtras {
  requirements?: Requirement;
  launch?: LaunchSettings;
  permissions?: { profile: string; text: string };
  actor?: string;
  /** The id already promised to the client: every attempt uses it (absent: a fresh id per attempt). */
  sessionId?: string;
  /** The session's display name (dcv create-session --name). */
  name?: string;
  /** The pool may be used though the policy does not let the owner use it (an API client's owners limit; audited by the caller). */
  beyondPolicy?: boolean;
}

/**
 * Session placement, creation and closing on behalf of users and admins. Every create, a user's or an
 * admin's, runs under its owner's lock (on every director when they share a store), and decides on
 * the owner's sessions as the store holds them, so a session closed or created a moment ago through
 * another director is seen. Creates and closes are written before they are answered (servers/session-rows.ts).
 */
export class SessionService {
  /** One create at a time per owner on this director (the placement lock extends it to every director). */
  private readonly ownerLocks = new Map<string, Promise<unknown>>();
  /** Virtual creates under way on servers with a max_virtual_sessions. */
  private readonly underWay = new CreatesUnderWay();
  private readonly d: SessionServiceOptions;

  constructor(options: SessionServiceOptions) {
    this.d = checkOptions('SessionService', options, {
      fleet: 'object',
      state: 'object',
      policy: 'object',
      agents: 'object',
      audit: 'object',
      log: 'object',
      clock: 'object',
      offlineAfterMs: 'number',
      agentRequestTimeoutMs: 'number',
      cooldownMs: 'number',
      healthRules: 'object',
      onPlacementFailure: 'function?',
      placementMetrics: 'object?',
      placementLock: 'function?',
    });
  }

  /** Online server by id, or a clear 404/503. */
  onlineServer(id: string): ServerEntry {
    const server = this.d.state.server(id);
    if (!server) throw notFound('SERVER_NOT_FOUND', `no server named ${id}`);
    if (!this.d.state.isOnline(server, this.d.offlineAfterMs)) throw new ApiError(503, 'SERVER_OFFLINE', `${id} is offline`);
    return server;
  }

  /**
   * POST /v1/user/sessions: a server the user may use directly, or a pool (placement + reconnect).
   * `fresh` (the body's `new`) skips the reconnect: another session, where the limits allow one.
   * @throws ApiError 409 SESSION_LIMIT_REACHED (the pool's max_sessions_per_user, or max_virtual_sessions) | ...
   */
  createForUser(
    who: UserRef,
    target: { serverId?: string; poolId?: string },
    type: SessionType,
    fresh = false,
    extras: PlacementExtras = {},
  ): Promise<{ session: SessionEntry; reconnected: boolean }> {
    const placing = this.placing(who.user, async () => {
      const policy = this.d.policy.current;
      const entitled = entitlements(policy, who.user, who.groups);
      if (target.poolId === undefined) {
        const id = target.serverId!;
        if (!mayUseServer(entitled, id)) throw forbidden('NOT_PERMITTED', 'you may not use this server');
        const server = this.usableServer(id);
        const existing = fresh ? undefined : existingSession([{ server, sessions: await this.storedSessionsOf(who.user) }], who.user, type);
        if (existing) return { session: existing, reconnected: true };
        this.refuseDrained(server);
        return { session: await this.create(server, who.user, type, newSessionId(who.user), who.user, this.permissions(who.groups, server.id)), reconnected: false };
      }
      const poolId = target.poolId;
      if (!entitled.pools.has(poolId) && !(extras.beyondPolicy && policy.pools.has(poolId))) {
        throw policy.pools.has(poolId) ? forbidden('NOT_PERMITTED', 'you may not use this pool') : notFound('POOL_NOT_FOUND', 'no such pool');
      }
      const online = poolMembers(policy, poolId, this.d.state.serverIds())
        .map((id) => this.d.state.server(id))
        .filter((s): s is ServerEntry => !!s && this.d.state.isOnline(s, this.d.offlineAfterMs));
      const requirements = policy.pools.get(poolId)?.requirements;
      const meets = (server: ServerEntry) => (!requirements || serverSatisfies(requirements, server)) && (!extras.requirements || serverSatisfies(extras.requirements, server));
      // Reconnect looks at every online member: a session on a host that turned unhealthy still exists.
      // With requirements, only where they are met, or where this pool placed it (GPU memory may have filled since).
      const own = await this.storedSessionsOf(who.user);
      const existing = fresh
        ? undefined
        : existingSession(
            online.map((server) => ({ server, sessions: own.filter((s) => s.serverId === server.id && (s.pool === poolId || meets(server))) })),
            who.user,
            type,
          );
      if (existing) return { session: existing, reconnected: true };
      const pool = policy.pools.get(poolId)!;
      if (pool.maxSessionsPerUser !== undefined && own.filter((s) => s.pool === poolId).length >= pool.maxSessionsPerUser) throw userLimitReached(poolId, pool.maxSessionsPerUser);
      const launch = { ...launchSettingsFor(pool, type), ...extras.launch };
      const candidates: Candidate[] = [];
      const unhealthy: UnusableMember[] = [];
      let drained = 0;
      let unmet = 0;
      for (const server of online) {
        // Not heard from since this director started: good for reconnects, not for placement.
        if (this.d.state.isStale(server)) continue;
        if (!meets(server)) {
          unmet++;
          continue;
        }
        // In maintenance (drained by an admin): the same, on purpose.
        if (server.drain) {
          drained++;
          continue;
        }
        const health = this.d.state.health(server);
        if (excludedFromPlacement(health)) unhealthy.push({ serverId: server.id, reason: health.reason!, message: health.message ?? '', at: health.since });
        else candidates.push({ server, sessions: this.d.state.sessionsOn(server.id), lastResort: health.status === 'unhealthy' });
      }
      if (!candidates.length && !unhealthy.length) {
        if (drained) throw new ApiError(503, 'NO_SERVER_AVAILABLE', `every online server of pool ${poolId}${unmet ? ' that meets its requirements' : ''} is in maintenance`);
        if (unmet) throw new ApiError(503, 'NO_SERVER_AVAILABLE', `no online member of pool ${poolId} meets its requirements (${unmet} online do not)`);
      }
      const session = await createWithFailover({
        pool: poolId,
        type,
        candidates,
        unhealthy,
        now: () => this.d.clock.now(),
        deadline: this.d.clock.now() + this.d.agentRequestTimeoutMs + PLACEMENT_DEADLINE_SLACK_MS,
        // A fresh id per attempt (unless one was promised): an attempt the director gave up on may still
        // finish on its host, and then holds its id (a promised id's next attempt is refused: SESSION_EXISTS).
        attempt: (server, timeoutMs) =>
          this.create(server, who.user, type, extras.sessionId ?? newSessionId(who.user), extras.actor ?? who.user, {
            pool: poolId,
            timeoutMs,
            launch,
            ...(extras.name ? { name: extras.name } : {}),
            ...(extras.permissions ? { permissions: extras.permissions } : this.permissions(who.groups, server.id, poolId)),
          }),
      });
      return { session, reconnected: false };
    });
    const audited = limitRefusalsAudited(this.d.audit, extras.actor ?? who.user, target.poolId ?? target.serverId ?? '', placing);
    return target.poolId !== undefined && this.d.placementMetrics ? this.d.placementMetrics.track(audited) : audited;
  }

  /**
   * POST /v1/sessions (admin): any server, optional session id, under the owner's lock like a user's
   * create. For a user the policy does not allow on that server: 403 NOT_PERMITTED unless `override`,
   * which is audited on its own. An id taken on any director: 409 SESSION_EXISTS.
   */
  async createAsAdmin(admin: string, serverId: string, userId: string, type: SessionType, sessionId?: string, override = false): Promise<SessionEntry> {
    if (!isSessionOwner(userId)) throw badRequest('INVALID_USER', 'userId is not a valid user name (name, name@domain or DOMAIN\\user)');
    const id = sessionId ?? newSessionId(userId);
    if (!isSessionId(id)) throw badRequest('INVALID_SESSION_ID', 'sessionId is not a valid DCV session id');
    const creating = this.placing(userId, async () => {
      const server = this.usableServer(serverId);
      this.refuseDrained(server);
      if (!policyAllows(this.d.policy.current, userId, server.id, this.isKnownServer)) {
        if (!override) throw forbidden('NOT_PERMITTED', `the policy does not allow ${userId} on ${server.id}; send "override": true to create it anyway`);
        this.d.audit.record({ type: 'session.create.override', actor: admin, target: id, outcome: 'success', detail: `${server.id} for ${userId}: not allowed by the policy` });
      }
      return this.create(server, userId, type, id, admin, this.permissions(groupsOf(this.d.policy.current, userId), server.id));
    });
    return limitRefusalsAudited(this.d.audit, admin, serverId, creating);
  }

  /** The permissions file a new session gets from its profile (policy/permission-profiles.ts); none: DCV's default file. */
  private permissions(ownerGroups: readonly string[], serverId: string, pool?: string): Pick<CreateInput, 'permissions'> {
    const profile = profileFor(this.d.policy.current, ownerGroups, serverId, pool);
    return profile ? { permissions: { profile: profile.name, text: permissionsFileText(profile.lines) } } : {};
  }

  /** Whether a server is one this director knows (active): a "*" pool holds exactly these. */
  private readonly isKnownServer = (id: string): boolean => this.d.state.server(id) !== undefined;

  /** Whether a session is managed (created here, or its owner may use its server): see trust.ts. */
  managed(session: SessionEntry, ownerGroups?: readonly string[]): boolean {
    return isManaged(this.d.policy.current, session, this.isKnownServer, ownerGroups);
  }

  /**
   * Closes a session through its agent, then records it closed (before answering). Users may close only
   * what their own list shows (ownSession: managed under their token's groups, not orphaned); admins any.
   * An admin's `reason` (closing every session on a host) goes into each audit event.
   */
  async close(sessionId: string, by: { user: string; admin: boolean; groups?: readonly string[]; reason?: string }): Promise<void> {
    if (!isSessionId(sessionId)) throw badRequest('INVALID_SESSION_ID', 'not a valid session id');
    const session = by.admin ? await this.d.fleet.findSession(sessionId) : await this.ownSession(sessionId, by.user, by.groups);
    if (!session) throw notFound('SESSION_NOT_FOUND', 'no such session');
    const now = this.d.clock.now();
    const because = by.reason ? `; reason: ${by.reason}` : '';
    if (session.orphaned) {
      // Its agent is revoked: the director will not talk to that host again, so it forgets the session
      // (closing it on the host, if it still runs there, is the host owner's job).
      await this.d.fleet.run(closeRow(sessionId, session.serverId, true, now));
      this.d.audit.record({ type: 'session.close', actor: by.user, target: sessionId, outcome: 'success', detail: `${session.serverId} (orphaned: agent revoked, host not contacted)${because}` });
      return;
    }
    const server = this.d.state.server(session.serverId);
    if (!server) throw notFound('SERVER_NOT_FOUND', 'the session’s server is gone');
    let detail = `${server.id}${because}`;
    try {
      await this.d.agents.closeSession(server, sessionId);
    } catch (err) {
      // The host no longer has it (closed there, or reaped): the goal is reached, forget it.
      if (!(err instanceof ApiError && err.code === 'SESSION_NOT_FOUND')) {
        this.d.audit.record({ type: 'session.close', actor: by.user, target: sessionId, outcome: 'failure', detail: `${(err as Error).message.slice(0, 200)}${because}` });
        throw err;
      }
      detail = `${server.id} (already gone on the host)${because}`;
    }
    await this.d.fleet.run(closeRow(sessionId, server.id, false, this.d.clock.now()));
    this.d.audit.record({ type: 'session.close', actor: by.user, target: sessionId, outcome: 'success', detail });
  }

  /** A session the user owns (404 otherwise: do not reveal others' sessions); found in the store if not yet in memory. */
  async ownSession(sessionId: string, user: string, groups?: readonly string[]): Promise<SessionEntry> {
    const found = isSessionId(sessionId) ? await this.d.fleet.findSession(sessionId) : undefined;
    if (!found || found.owner !== user || found.orphaned || !this.managed(found, groups)) throw notFound('SESSION_NOT_FOUND', 'no such session');
    return found;
  }

  /** A drained server (maintenance) takes no new sessions; reconnects to its running ones are checked before this. */
  private refuseDrained(server: ServerEntry): void {
    if (server.drain) throw new ApiError(503, 'SERVER_DRAINED', `${server.id} is in maintenance: no new sessions there until an admin opens it`);
  }

  /**
   * A server picked by name (not through a pool): online, and not known to have a broken dcv or a DCV
   * asking another verifier. A server
   * cooling down after a failed create is still tried: the caller has no other host to go to.
   */
  private usableServer(id: string): ServerEntry {
    const server = this.onlineServer(id);
    if (server.dcvError !== null) {
      throw new ApiError(503, 'SERVER_UNHEALTHY', `${id} cannot start sessions now: DCV_UNAVAILABLE: ${server.dcvError}`, undefined, undefined, { reason: 'DCV_UNAVAILABLE' });
    }
    // Its DCV would ask another verifier: no user could open a session made there.
    const problem = server.dcvCheck?.problem;
    if (problem) throw new ApiError(503, 'SERVER_UNHEALTHY', `${id} cannot start sessions now: DCV_MISCONFIGURED: ${problem}`, undefined, undefined, { reason: 'DCV_MISCONFIGURED' });
    return server;
  }

  /** The owner's live sessions as the store holds them now (not orphaned). */
  private async storedSessionsOf(owner: string): Promise<SessionEntry[]> {
    return (await this.d.fleet.liveSessionsOf(owner)).filter((session) => !session.orphaned);
  }

  private create(
    server: ServerEntry,
    owner: string,
    type: SessionType,
    id: string,
    actor: string,
    more: Pick<CreateInput, 'pool' | 'timeoutMs' | 'launch' | 'permissions' | 'name'> = {},
  ): Promise<SessionEntry> {
    if (type === 'virtual' && server.consoleOnly) throw consoleOnlyRefusal(server.id);
    const attempt = () => createOnServer(this.d, { server, owner, type, id, actor, ...more });
    if (type === 'virtual') return this.underWay.withinLimit(server, this.d.state.sessionsOn(server.id), id, attempt);
    // DCV allows one console session per host: serialise console creates per server and re-check.
    return this.locked(`console:${server.id}`, async () => {
      if (this.d.state.sessionsOn(server.id).some((s) => s.type === 'console')) {
        throw new ApiError(409, 'CONSOLE_IN_USE', 'this server already has a console session');
      }
      return attempt();
    });
  }

  /**
   * Runs `fn` while nothing else holds `key`, here or (with a placement lock) on any director: for work
   * on one session that must not interleave (its shares). Keys hold a ':' so they never meet an owner's.
   */
  serialised<T>(key: `${string}:${string}`, fn: () => Promise<T>): Promise<T> {
    return this.placing(key, fn);
  }

  /** Runs `fn` while no other create for `owner` runs, here or (with a placement lock) on any director. */
  private placing<T>(owner: string, fn: () => Promise<T>): Promise<T> {
    const acrossDirectors = this.d.placementLock;
    return this.locked(owner, () => (acrossDirectors ? acrossDirectors(owner, fn) : fn()));
  }

  private locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prior = this.ownerLocks.get(key) ?? Promise.resolve();
    // The holder before us answered its own caller with its error; we only wait for it to end.
    const next = prior.catch(() => undefined).then(fn);
    this.ownerLocks.set(key, next);
    // Our caller gets `next` and its error; this chain only tidies the map.
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.ownerLocks.get(key) === next) this.ownerLocks.delete(key);
      });
    return next;
  }
}
