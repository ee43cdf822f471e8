/**
 * Server health: whether placement may put new sessions on a server, and why not. Worked out from three
 * facts on the server entry (so a persisted entry carries its health with it):
 *   - `dcvError`: the agent's last update says dcv does not answer -> DCV_UNAVAILABLE, until an update
 *     without it;
 *   - `placementFailure`: a create failed there for a host-side reason -> that reason, until the
 *     cool-down ends, a create there succeeds, or (for DCV_UNAVAILABLE, the one reason an update can
 *     disprove) an update shows dcv answering again;
 *   - `dcvTimeoutMs`: the agent's dcv time limit -> MISCONFIGURED_TIMEOUTS when an agent create (two dcv
 *     commands in a row) could outlast the director's request to the agent;
 *   - `dcvCheck.problem`: the host's DCV asks another verifier than this cluster's directors (or none)
 *     -> DCV_MISCONFIGURED, until an update reports a verifier of ours (dcv-check.ts).
 */
import { ApiError } from '../../shared/errors.ts';

export type HealthReason = 'DCV_UNAVAILABLE' | 'DCV_MISCONFIGURED' | 'DCV_TIMEOUT' | 'AGENT_UNREACHABLE' | 'AGENT_ERROR' | 'LICENSES_EXHAUSTED' | 'DCV_FAILED' | 'MISCONFIGURED_TIMEOUTS';

/** A failed create on a server, remembered so placement skips it for a while. */
export interface PlacementFailure {
  reason: HealthReason;
  message: string;
  /** When it failed (epoch ms). */
  at: number;
  /** End of the cool-down (epoch ms). */
  until: number;
}

/** The facts health is worked out from (a subset of the runtime state's server entry). */
export interface HealthFacts {
  dcvError: string | null;
  placementFailure: PlacementFailure | null;
  dcvTimeoutMs: number | null;
  /** The director's verdict on the host's DCV self-check (absent: no check reported). */
  dcvCheck?: { problem?: string };
  /** When the health last changed (status or reason), epoch ms. */
  healthSince: number;
}

export interface ServerHealth {
  status: 'healthy' | 'unhealthy';
  reason?: HealthReason;
  message?: string;
  /** Epoch ms. */
  since: number;
}

export interface HealthRules {
  /** The director's agent_request_timeout: what one agent call may take. */
  agentRequestTimeoutMs: number;
}

/** Margin for TLS, spawning and the agent's own work beside its two dcv commands. */
const CREATE_OVERHEAD_MS = 2_000;

/**
 * Reasons an agent update can disprove: it ran `dcv list-sessions` and got an answer, so dcv starts and
 * answers. It says nothing about a `create-session` that hangs or fails, licences, or whether the
 * director can reach the agent: those wait for the cool-down or a successful create.
 */
const CLEARED_BY_UPDATE: ReadonlySet<HealthReason> = new Set(['DCV_UNAVAILABLE']);

/** True when a hung dcv could make the director give up before the agent answers DCV_TIMEOUT. */
export function timeoutsMisconfigured(dcvTimeoutMs: number | null, rules: HealthRules): boolean {
  return dcvTimeoutMs !== null && 2 * dcvTimeoutMs + CREATE_OVERHEAD_MS >= rules.agentRequestTimeoutMs;
}

/** The health of a server now. */
export function serverHealth(facts: HealthFacts, now: number, rules: HealthRules): ServerHealth {
  if (facts.dcvError !== null) return { status: 'unhealthy', reason: 'DCV_UNAVAILABLE', message: facts.dcvError, since: facts.healthSince };
  if (facts.dcvCheck?.problem) return { status: 'unhealthy', reason: 'DCV_MISCONFIGURED', message: facts.dcvCheck.problem, since: facts.healthSince };
  const failure = facts.placementFailure;
  if (failure && now < failure.until) return { status: 'unhealthy', reason: failure.reason, message: failure.message, since: facts.healthSince };
  // A cool-down that ran out changed the health at its end, without any event to record it.
  const since = failure ? Math.max(facts.healthSince, failure.until) : facts.healthSince;
  if (timeoutsMisconfigured(facts.dcvTimeoutMs, rules)) {
    const message = `agent dcv_timeout ${facts.dcvTimeoutMs} ms: 2 x dcv_timeout + ${CREATE_OVERHEAD_MS} ms must stay below the director's agent_request_timeout ${rules.agentRequestTimeoutMs} ms`;
    return { status: 'unhealthy', reason: 'MISCONFIGURED_TIMEOUTS', message, since };
  }
  return { status: 'healthy', since };
}

/** Placement never picks these; MISCONFIGURED_TIMEOUTS servers still work, so they are a last resort. */
export function excludedFromPlacement(health: ServerHealth): boolean {
  return health.status === 'unhealthy' && health.reason !== 'MISCONFIGURED_TIMEOUTS';
}

/** Does this update (no dcv error in it) end the remembered failure? */
export function clearedByHealthyUpdate(failure: PlacementFailure): boolean {
  return CLEARED_BY_UPDATE.has(failure.reason);
}

/**
 * The health reason behind a failed agent call, or undefined for errors that are not the host's fault
 * (the caller's input, a console race) and must not be retried elsewhere.
 */
export function hostFailureReason(err: unknown): HealthReason | undefined {
  if (!(err instanceof ApiError)) return undefined;
  switch (err.code) {
    case 'DCV_TIMEOUT':
      return 'DCV_TIMEOUT';
    case 'DCV_UNAVAILABLE':
    case 'DCV_BAD_OUTPUT':
      return 'DCV_UNAVAILABLE';
    case 'DCV_FAILED':
      return /licen[cs]e/i.test(err.message) ? 'LICENSES_EXHAUSTED' : 'DCV_FAILED';
    case 'AGENT_UNREACHABLE':
      return 'AGENT_UNREACHABLE';
    default:
      // Any other 5xx from the agent (a bad answer, an internal error) is the host's trouble too;
      // a 4xx means the request was wrong and would be wrong anywhere.
      return err.status >= 500 ? 'AGENT_ERROR' : undefined;
  }
}

/** The health as the API shows it (RFC 3339 `since`; reason and message only when unhealthy). */
export function healthView(health: ServerHealth) {
  return {
    status: health.status,
    ...(health.reason ? { reason: health.reason, message: health.message ?? '' } : {}),
    since: new Date(health.since).toISOString(),
  };
}
