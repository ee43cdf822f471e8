import { ApiError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/types.ts';
import type { ServerEntry, SessionEntry } from '../servers/records.ts';

/**
 * The two session limits: a pool's `max_sessions_per_user` (policy) and a host's `max_virtual_sessions`
 * (its agent's configuration, reported in every update). A create either would break is refused with
 * 409 SESSION_LIMIT_REACHED, `limit` in the error naming which, and nothing is created.
 */

/** 409 SESSION_LIMIT_REACHED: the user holds `max` sessions through `pool` already. */
export function userLimitReached(pool: string, max: number): ApiError {
  const message = `you already have ${max} session${max === 1 ? '' : 's'} in pool ${pool}, the most it allows (max_sessions_per_user); end one to start another`;
  return new ApiError(409, 'SESSION_LIMIT_REACHED', message, undefined, undefined, { limit: 'max_sessions_per_user', max, poolId: pool });
}

/** 409 SESSION_LIMIT_REACHED: the server holds as many virtual sessions as its agent allows. */
export function hostLimitReached(server: Pick<ServerEntry, 'id' | 'maxVirtualSessions'>): ApiError {
  const max = server.maxVirtualSessions ?? 0;
  const message = `${server.id} already holds ${max} virtual session${max === 1 ? '' : 's'}, the most its agent allows (max_virtual_sessions)`;
  return new ApiError(409, 'SESSION_LIMIT_REACHED', message, undefined, undefined, { limit: 'max_virtual_sessions', max, serverId: server.id });
}

/** 409 SESSION_LIMIT_REACHED: every pool member placement could use is at its max_virtual_sessions. */
export function poolFull(pool: string): ApiError {
  const message = `every server in pool ${pool} that could take a virtual session holds the most its agent allows (max_virtual_sessions); try again later`;
  return new ApiError(409, 'SESSION_LIMIT_REACHED', message, undefined, undefined, { limit: 'max_virtual_sessions', poolId: pool });
}

/** Whether an error is a refusal for a session limit. */
export const isLimitReached = (err: unknown): err is ApiError => err instanceof ApiError && err.code === 'SESSION_LIMIT_REACHED';

/** `creating`, with a refusal for a session limit audited (creates an agent was asked for are audited where it was asked). */
export function limitRefusalsAudited<T>(audit: AuditLog, actor: string, target: string, creating: Promise<T>): Promise<T> {
  return creating.catch((err: unknown) => {
    if (isLimitReached(err)) audit.record({ type: 'session.create', actor, target, outcome: 'failure', detail: `SESSION_LIMIT_REACHED (${err.details?.limit}): ${err.message}` });
    throw err;
  });
}

/** Whether a server holds as many virtual sessions as its max_virtual_sessions allows (console sessions do not count). */
export function atVirtualLimit(server: Pick<ServerEntry, 'maxVirtualSessions'>, sessions: readonly Pick<SessionEntry, 'id' | 'type'>[], underWay: Iterable<string> = []): boolean {
  const limit = server.maxVirtualSessions;
  if (limit === undefined) return false;
  const live = new Set(sessions.filter((session) => session.type === 'virtual').map((session) => session.id));
  let held = live.size;
  for (const id of underWay) if (!live.has(id)) held++;
  return held >= limit;
}

/**
 * Virtual creates under way on this director, by server: counted with a server's live sessions against
 * its max_virtual_sessions, so a host at its cap is refused before a reservation is tried. The rows
 * decide in the end: the reservation counts every session row on the locked server (creates through
 * other directors included) and is refused when the host is full (servers/session-rows.ts).
 */
export class CreatesUnderWay {
  private readonly byServer = new Map<string, Set<string>>();

  /**
   * Runs a virtual `create` of `sessionId` on `server` (whose live sessions are `sessions`), counted as
   * under way until it ends; refused when the server's max_virtual_sessions is reached counting these.
   * @throws ApiError 409 SESSION_LIMIT_REACHED
   */
  async withinLimit<T>(server: Pick<ServerEntry, 'id' | 'maxVirtualSessions'>, sessions: readonly SessionEntry[], sessionId: string, create: () => Promise<T>): Promise<T> {
    if (server.maxVirtualSessions === undefined) return create();
    const ids = this.byServer.get(server.id) ?? new Set<string>();
    if (atVirtualLimit(server, sessions, ids)) throw hostLimitReached(server);
    this.byServer.set(server.id, ids.add(sessionId));
    try {
      return await create();
    } finally {
      ids.delete(sessionId);
      if (ids.size === 0 && this.byServer.get(server.id) === ids) this.byServer.delete(server.id);
    }
  }
}
