import type { SessionType } from '../../shared/api/agent-wire.ts';
import { ApiError } from '../../shared/errors.ts';
import { hostFailureReason, type HealthReason } from '../servers/health.ts';
import type { ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import { atVirtualLimit, isLimitReached, poolFull } from './limits.ts';
import { chooseServer, type Candidate } from './placement.ts';

/** Pool members tried for one create at most (README "How placement chooses"). */
export const MAX_PLACEMENT_ATTEMPTS = 3;
/** Added to agent_request_timeout for the whole create, so a retry has time after one slow member. */
export const PLACEMENT_DEADLINE_SLACK_MS = 5_000;

/** Why a member could not be used: its health, or the failure of an attempt on it. */
export interface UnusableMember {
  serverId: string;
  reason: HealthReason;
  message: string;
  /** When that became true (epoch ms): the latest one is "the last reason". */
  at: number;
}

export interface FailoverInput {
  pool: string;
  type: SessionType;
  /** Online members placement may use (healthy ones, and last-resort ones marked as such). */
  candidates: Candidate[];
  /** Online members left out as unhealthy: named in the 503 when nothing else is left. */
  unhealthy: UnusableMember[];
  now: () => number;
  /** The whole create must end by then (epoch ms); each attempt gets what is left. */
  deadline: number;
  /** One create on one server within `timeoutMs`. Host-side failures are marked by the caller. */
  attempt: (server: ServerEntry, timeoutMs: number) => Promise<SessionEntry>;
}

/**
 * Creates a session on the best pool member and, when that fails for a host-side reason (dcv error or
 * time-out, agent unreachable, licences exhausted), on the next best, at most MAX_PLACEMENT_ATTEMPTS
 * members under one deadline. A console race lost to another user, a host that reached its
 * max_virtual_sessions meanwhile, or a host whose agent was revoked meanwhile, moves on without
 * counting. Errors that are the request's own (a 4xx from the agent) are thrown at once.
 * @throws ApiError 503 NO_HEALTHY_SERVER (with `reason`) | 409 SESSION_LIMIT_REACHED (every usable member full) | 503 NO_SERVER_AVAILABLE
 */
export async function createWithFailover(input: FailoverInput): Promise<SessionEntry> {
  let candidates = input.candidates;
  let failed = 0;
  let last: UnusableMember | undefined;
  let full = false;
  for (;;) {
    const server = chooseServer(candidates, input.type);
    if (!server) throw nothingLeft(input, last, full);
    const remaining = input.deadline - input.now();
    if (remaining <= 0) {
      throw last ? noHealthyServer(input.pool, last, 'the time for this request ran out') : new ApiError(503, 'NO_SERVER_AVAILABLE', 'no server in this pool could take the session in time');
    }
    try {
      return await input.attempt(server, remaining);
    } catch (err) {
      candidates = candidates.filter((c) => c.server.id !== server.id);
      // Lost a console race to another user, or the host left (revoked) or was drained since this director last heard: next member, not counted.
      const notFailed = err instanceof ApiError && (err.code === 'CONSOLE_IN_USE' || err.code === 'SERVER_GONE' || err.code === 'SERVER_DRAINED');
      if (notFailed) continue;
      if (isLimitReached(err)) {
        full = true;
        continue;
      }
      const reason = hostFailureReason(err);
      if (!reason) throw err;
      last = { serverId: server.id, reason, message: (err as Error).message, at: input.now() };
      if (++failed >= MAX_PLACEMENT_ATTEMPTS) throw noHealthyServer(input.pool, last, `${failed} servers failed`);
    }
  }
}

function nothingLeft(input: FailoverInput, last: UnusableMember | undefined, full: boolean): ApiError {
  if (last) return noHealthyServer(input.pool, last, 'no other member is left');
  if (input.type === 'virtual' && input.candidates.length > 0 && input.candidates.every((c) => c.server.consoleOnly)) {
    return new ApiError(409, 'CONSOLE_ONLY', `every usable member of pool ${input.pool} runs console sessions only (DCV on Windows): ask for a console session`);
  }
  if (full || (input.type === 'virtual' && input.candidates.some((c) => atVirtualLimit(c.server, c.sessions)))) return poolFull(input.pool);
  // Healthy members that are merely busy (a console each) are not a health problem.
  const latest = input.candidates.length === 0 ? [...input.unhealthy].sort((a, b) => b.at - a.at)[0] : undefined;
  if (latest) return noHealthyServer(input.pool, latest, 'every online member is unhealthy');
  return new ApiError(503, 'NO_SERVER_AVAILABLE', 'no server in this pool can take a session now');
}

/** 503 with the last reason, as a stable code plus `reason` in the error envelope. */
function noHealthyServer(pool: string, last: UnusableMember, why: string): ApiError {
  const message = `no healthy server in pool ${pool} (${why}); last: ${last.serverId}: ${last.reason}: ${last.message}`.slice(0, 700);
  return new ApiError(503, 'NO_HEALTHY_SERVER', message, undefined, undefined, { reason: last.reason, serverId: last.serverId });
}
