import type { SessionType } from '../../shared/api/agent-wire.ts';
import type { LaunchSettings } from '../../shared/api/launch-settings.ts';
import { ApiError } from '../../shared/errors.ts';
import { AgentTimeoutError } from '../agent-client/agent-timeout.ts';
import { hostFailureReason } from '../servers/health.ts';
import type { ServerEntry, SessionEntry } from '../servers/records.ts';
import { hostLimitReached } from './limits.ts';
import { abandon, confirm, reserve, setPlacementFailure, type Reservation } from '../servers/session-rows.ts';
import type { SessionServiceOptions } from './service.ts';

export interface CreateInput {
  server: ServerEntry;
  owner: string;
  type: SessionType;
  id: string;
  /** Who asked (the owner, or an admin): for the audit. */
  actor: string;
  pool?: string;
  /** Shorter than agent_request_timeout when a pool's deadline leaves less. */
  timeoutMs?: number;
  /** The pool's launch settings for dcv create-session (policy/pool-settings.ts). */
  launch?: LaunchSettings;
  /** The permission profile's name and the permissions file made from it (absent: DCV's default file). */
  permissions?: { profile: string; text: string };
  /** The session's display name (dcv create-session --name; absent: DCV names it by its id). */
  name?: string;
}

type CreateDeps = Pick<SessionServiceOptions, 'fleet' | 'agents' | 'audit' | 'log' | 'clock' | 'agentRequestTimeoutMs' | 'cooldownMs' | 'healthRules' | 'onPlacementFailure'>;

/**
 * One create on one server, the caller holding the owner's lock:
 *   1. reserve the id (a row, unique across directors; refused if the agent was revoked meanwhile),
 *   2. ask the agent,
 *   3. confirm the row as a live session before answering.
 * A refusal from the agent drops the reservation. A time-out keeps it as abandoned: the session may
 * still appear (DCV's create runs in its daemon), and is then adopted or closed (servers/report-plan.ts).
 * @throws ApiError 409 SESSION_EXISTS | 409 SESSION_LIMIT_REACHED | 503 SERVER_GONE | 503 SERVER_DRAINED | the agent's error
 */
export async function createOnServer(deps: CreateDeps, input: CreateInput): Promise<SessionEntry> {
  const { server, owner, type, id, actor, pool } = input;
  const reservation: Reservation = { id, serverId: server.id, guid: server.guid, owner, type, ...(pool ? { pool } : {}) };
  const reserved = await deps.fleet.run(reserve(reservation, deps.clock.now()));
  if (reserved === 'taken') throw new ApiError(409, 'SESSION_EXISTS', 'a session with this id exists');
  if (reserved === 'server-gone') throw new ApiError(503, 'SERVER_GONE', `${server.id} is no longer available: its agent was revoked or replaced`);
  if (reserved === 'drained') throw new ApiError(503, 'SERVER_DRAINED', `${server.id} is in maintenance: no new sessions there until an admin opens it`);
  // Full by the rows: creates through other directors took its last places since this one last heard.
  if (reserved === 'full') throw hostLimitReached(server);
  let created: Awaited<ReturnType<typeof deps.agents.createSession>>;
  try {
    const permissions = input.permissions ? { permissions: input.permissions.text } : {};
    const name = input.name ? { name: input.name } : {};
    created = await deps.agents.createSession(server, { userId: owner, sessionType: type, sessionId: id, ...name, ...input.launch, ...permissions }, { timeoutMs: input.timeoutMs });
  } catch (err) {
    await giveUp(deps, input, reservation, err);
    throw err;
  }
  // The name asked for until an update lists the session with the name dcv gave it.
  const reported = { ...(input.name ? { name: input.name } : {}), ...created.session, numOfConnections: created.session.numOfConnections ?? 0 };
  const confirmed = await deps.fleet.run(confirm(reservation, reported, deps.clock.now()));
  const sid = confirmed.session.id;
  if (confirmed.kind === 'revoked') {
    deps.audit.record({ type: 'session.create', actor, target: sid, outcome: 'failure', detail: `${server.id}: the agent was revoked while the session was made; kept as orphaned` });
    throw new ApiError(503, 'SERVER_GONE', `${server.id} was revoked while the session was being created`);
  }
  if (server.placementFailure) await deps.fleet.run(setPlacementFailure(server.id, null, deps.healthRules, deps.clock.now()));
  const profile = input.permissions ? ` with permission profile ${input.permissions.profile}` : '';
  deps.audit.record({
    type: 'session.create',
    actor,
    target: sid,
    outcome: 'success',
    detail: `${server.id} ${type} for ${owner}${profile}${sid === id ? '' : ` (agent reused ${sid} instead of ${id})`}`,
  });
  deps.log.info('session created', { sessionId: sid, server: server.id, owner, type, pool });
  return confirmed.session;
}

/** The agent refused or did not answer: settle the reservation, audit, and mark the host when it is the host's fault. */
async function giveUp(deps: CreateDeps, input: CreateInput, reservation: Reservation, err: unknown): Promise<void> {
  const { server, actor, id } = input;
  deps.audit.record({ type: 'session.create', actor, target: id, outcome: 'failure', detail: `${server.id}: ${(err as Error).message.slice(0, 200)}` });
  const timedOut = err instanceof AgentTimeoutError || (err instanceof ApiError && err.code === 'DCV_TIMEOUT');
  try {
    const settled = await deps.fleet.run(abandon(reservation, timedOut, deps.clock.now()));
    if (settled.kind === 'close') void deps.fleet.closeLate(settled.session);
    if (settled.kind === 'adopted') {
      deps.audit.record({ type: 'session.adopt', target: settled.session.id, outcome: 'success', detail: `${server.id}: the create timed out after the session appeared; kept` });
    }
  } catch (error) {
    // The reservation stays as it was; the housekeeper settles creates that are never confirmed.
    deps.log.warn('failed create not settled in the store', { sessionId: id, error });
  }
  const reason = hostFailureReason(err);
  // An attempt the pool's overall deadline cut below agent_request_timeout says nothing about the
  // host: it may just need the usual few seconds. Not marked, so a healthy host is not skipped.
  const cutShort = err instanceof AgentTimeoutError && err.limitMs < deps.agentRequestTimeoutMs;
  if (cutShort) deps.log.info('session create cut short by the request deadline; host not marked', { server: server.id, limitMs: err.limitMs });
  else if (reason) {
    const at = deps.clock.now();
    await deps.fleet
      .run(setPlacementFailure(server.id, { reason, message: (err as Error).message.slice(0, 500), at, until: at + deps.cooldownMs }, deps.healthRules, at))
      .catch((error: unknown) => deps.log.warn('create failure not recorded on the server', { server: server.id, error }));
    deps.onPlacementFailure?.(reason);
    deps.log.warn('session create failed on the host; skipping it for placement', { server: server.id, reason, error: (err as Error).message, cooldownMs: deps.cooldownMs });
  }
}
