import { isSessionId, isUserName, type SessionType } from '../../shared/api/agent-wire.ts';
import { ApiError, badRequest, forbidden, notFound } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { AgentClient } from '../agent-client/client.ts';
import type { AuditLog } from '../audit/types.ts';
import { entitlements, mayUseServer, poolMembers } from '../policy/evaluate.ts';
import type { PolicyHolder } from '../policy/holder.ts';
import type { RuntimeState, ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import { chooseServer, existingSession, type Candidate } from './placement.ts';
import { newSessionId } from './session-ids.ts';

export interface SessionServiceDeps {
  state: RuntimeState;
  policy: PolicyHolder;
  agents: AgentClient;
  audit: AuditLog;
  log: Logger;
  offlineAfterMs: number;
  /** Makes a server's state durable (a new session must survive a director crash); see state-writer.ts. */
  persist?: (serverId: string) => Promise<void>;
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
    return this.locked(who.user, async () => {
      const policy = this.d.policy.current;
      const e = entitlements(policy, who.user, who.groups);
      let candidates: Candidate[];
      if (target.poolId !== undefined) {
        if (!e.pools.has(target.poolId)) {
          throw policy.pools.has(target.poolId) ? forbidden('NOT_PERMITTED', 'you may not use this pool') : notFound('POOL_NOT_FOUND', 'no such pool');
        }
        candidates = poolMembers(policy, target.poolId, this.d.state.serverIds())
          .map((id) => this.d.state.server(id))
          .filter((s): s is ServerEntry => !!s && this.d.state.isOnline(s, this.d.offlineAfterMs))
          .map((server) => ({ server, sessions: this.d.state.sessionsOn(server.id) }));
      } else {
        const id = target.serverId!;
        if (!mayUseServer(e, id)) throw forbidden('NOT_PERMITTED', 'you may not use this server');
        const server = this.onlineServer(id);
        candidates = [{ server, sessions: this.d.state.sessionsOn(server.id) }];
      }
      const existing = existingSession(candidates, who.user, type);
      if (existing) return { session: existing, reconnected: true };
      // Loaded after a director restart and not updated since: good for reconnects, not for placement.
      if (target.poolId !== undefined) candidates = candidates.filter((c) => !c.server.stale);
      // A console race lost on one pool member (another user got there first) moves on to the next.
      for (;;) {
        const server = chooseServer(candidates, type);
        if (!server) {
          throw target.poolId !== undefined
            ? new ApiError(503, 'NO_SERVER_AVAILABLE', 'no server in this pool can take a session now')
            : new ApiError(409, 'CONSOLE_IN_USE', 'this server already has a console session');
        }
        try {
          const session = await this.create(server, who.user, type, newSessionId(who.user), who.user, target.poolId);
          return { session, reconnected: false };
        } catch (err) {
          const lostRace = err instanceof ApiError && err.code === 'CONSOLE_IN_USE' && target.poolId !== undefined;
          if (!lostRace) throw err;
          candidates = candidates.filter((c) => c.server.id !== server.id);
        }
      }
    });
  }

  /** POST /v1/sessions (admin): any server, any user, optional session id. */
  async createAsAdmin(admin: string, serverId: string, userId: string, type: SessionType, sessionId?: string): Promise<SessionEntry> {
    if (!isUserName(userId)) throw badRequest('INVALID_USER', 'userId is not a valid user name');
    const id = sessionId ?? newSessionId(userId);
    if (!isSessionId(id)) throw badRequest('INVALID_SESSION_ID', 'sessionId is not a valid DCV session id');
    if (this.d.state.session(id)) throw new ApiError(409, 'SESSION_EXISTS', 'a session with this id exists');
    return this.create(this.onlineServer(serverId), userId, type, id, admin);
  }

  /** Closes a session through its agent; users may close only their own. */
  async close(sessionId: string, by: { user: string; admin: boolean }): Promise<void> {
    if (!isSessionId(sessionId)) throw badRequest('INVALID_SESSION_ID', 'not a valid session id');
    const session = this.d.state.session(sessionId);
    if (!session || (!by.admin && session.owner !== by.user)) throw notFound('SESSION_NOT_FOUND', 'no such session');
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
  ownSession(sessionId: string, user: string): SessionEntry {
    const s = isSessionId(sessionId) ? this.d.state.session(sessionId) : undefined;
    if (!s || s.owner !== user) throw notFound('SESSION_NOT_FOUND', 'no such session');
    return s;
  }

  private create(server: ServerEntry, owner: string, type: SessionType, id: string, actor: string, pool?: string): Promise<SessionEntry> {
    if (type !== 'console') return this.createNow(server, owner, type, id, actor, pool);
    // DCV allows one console session per host: serialise console creates per server and re-check.
    return this.locked(`console:${server.id}`, async () => {
      if (this.d.state.sessionsOn(server.id).some((s) => s.type === 'console')) {
        throw new ApiError(409, 'CONSOLE_IN_USE', 'this server already has a console session');
      }
      return this.createNow(server, owner, type, id, actor, pool);
    });
  }

  private async createNow(server: ServerEntry, owner: string, type: SessionType, id: string, actor: string, pool?: string): Promise<SessionEntry> {
    try {
      const res = await this.d.agents.createSession(server, { userId: owner, sessionType: type, sessionId: id });
      const reported = res.session;
      // The agent's id wins: a Go dcvix agent may answer with an existing session of this owner and type.
      const sid = reported.id;
      const entry = this.d.state.addSession({ ...reported, id: sid, owner, type, numOfConnections: reported.numOfConnections ?? 0, serverId: server.id, ...(pool ? { pool } : {}) });
      await this.d.persist?.(server.id).catch((error) => this.d.log.error('new session not persisted', { sessionId: sid, error }));
      this.d.audit.record({ type: 'session.create', actor, target: sid, outcome: 'success', detail: `${server.id} ${type} for ${owner}${sid === id ? '' : ` (agent reused ${sid} instead of ${id})`}` });
      this.d.log.info('session created', { sessionId: sid, server: server.id, owner, type, pool });
      return entry;
    } catch (err) {
      this.d.audit.record({ type: 'session.create', actor, target: id, outcome: 'failure', detail: `${server.id}: ${(err as Error).message.slice(0, 200)}` });
      throw err;
    }
  }

  private locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prior = this.userLocks.get(key) ?? Promise.resolve();
    const next = prior.catch(() => {}).then(fn);
    this.userLocks.set(key, next);
    void next.catch(() => {}).finally(() => {
      if (this.userLocks.get(key) === next) this.userLocks.delete(key);
    });
    return next;
  }
}
