import type { SessionRequest } from './request-store.ts';
import type { SmState } from './views.ts';

/** How long describeSessions shows a failed create or a deleted session (DELETED), after which it is forgotten. */
export const REQUESTS_KEPT_MS = 60 * 60_000;
/**
 * A create still placing after this long has lost its director (placement ends within
 * agent_request_timeout plus a few seconds per pool): it is shown as failed.
 */
export const PLACING_GIVE_UP_MS = 10 * 60_000;

/** A request's Session Manager state at `now`. */
export function requestState(request: SessionRequest, now: number): SmState {
  switch (request.state) {
    case 'creating':
      if (now - request.updatedAt > PLACING_GIVE_UP_MS) return { State: 'DELETED', StateReason: 'PLACEMENT_LOST: the director placing this session stopped before it finished; create it again' };
      return { State: 'CREATING', Substate: 'SESSION_PLACING' };
    case 'failed':
      return { State: 'DELETED', StateReason: request.reason ?? 'the create failed' };
    case 'deleting':
      return { State: 'DELETING' };
    case 'deleted':
      return { State: 'DELETED' };
  }
}
