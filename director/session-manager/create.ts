import type { Static } from 'elysia';
import { isSafeArg, isUserName, SESSION_NAME_MAX, type SessionType } from '../../shared/api/agent-wire.ts';
import { launchSettingProblem, type LaunchSettings } from '../../shared/api/launch-settings.ts';
import { permissionsFileText } from '../../shared/api/dcv-permissions.ts';
import { ApiError } from '../../shared/errors.ts';
import { clientActor } from '../api-clients/service.ts';
import type { ApiClientRecord } from '../api-clients/store.ts';
import { entitlements, groupsOf } from '../policy/evaluate.ts';
import type { Requirement } from '../policy/requirements/parse.ts';
import { readPolicyRequirements } from '../policy/requirements/server-facts.ts';
import { RequirementsError } from '../policy/requirements/tokenize.ts';
import type { Policy } from '../policy/schema.ts';
import { newSessionId } from '../sessions/session-ids.ts';
import { actsFor, createsBeyondPolicy, failureReason, ItemFailure, type SessionManagerDeps } from './deps.ts';
import type { CreateSessionItem } from './models.ts';
import { matchingProfile, permissionLines } from './permissions-file.ts';
import { REQUESTS_KEPT_MS, requestState } from './request-states.ts';
import type { SessionRequest } from './request-store.ts';
import { smRequest } from './views.ts';

type Item = Static<typeof CreateSessionItem>;

/** Fields of the YAML dcvix cannot honour: a request that sets one is refused, never half-done. */
function unsupported(item: Item): string | undefined {
  if (item.AutorunFile || item.AutorunFileArguments?.length)
    return 'AutorunFile is not supported: dcv create-session has no option that runs a file inside the session (use an InitFile the pool allows)';
  if (item.EnqueueRequest) return 'EnqueueRequest is not supported: dcvix places at once and queues nothing';
  if (item.DisableRetryOnFailure) return "DisableRetryOnFailure is not supported: a pool create always tries the pool's next server after a host-side failure";
  if (item.InitFile && item.InitFilePath && item.InitFile !== item.InitFilePath) return 'InitFile and InitFilePath (its deprecated name) differ';
  if (item.Name && !isSafeArg(item.Name, SESSION_NAME_MAX)) return `Name must be 1 to ${SESSION_NAME_MAX} characters without control characters, not starting with "-"`;
  return undefined;
}

/** The item's own placement wishes, checked: type, requirements, launch settings. */
function wishes(item: Item): { type: SessionType; requirements?: Requirement; launch: LaunchSettings } {
  const type = (item.Type ?? 'Virtual').toLowerCase();
  if (type !== 'virtual' && type !== 'console') throw new ItemFailure('Type must be Virtual or Console');
  const init = item.InitFile ?? item.InitFilePath;
  if (type === 'console' && (init || item.DcvGlEnabled !== undefined)) throw new ItemFailure('InitFile and DcvGlEnabled are for Virtual sessions only');
  let requirements: Requirement | undefined;
  try {
    requirements = item.Requirements ? readPolicyRequirements(item.Requirements) : undefined;
  } catch (err) {
    if (err instanceof RequirementsError) throw new ItemFailure(`Requirements: ${err.message}`);
    throw err;
  }
  const launch: LaunchSettings = {
    ...(init ? { init } : {}),
    ...(item.StorageRoot ? { storageRoot: item.StorageRoot } : {}),
    ...(item.DcvGlEnabled === undefined ? {} : { gl: item.DcvGlEnabled ? 'on' : 'off' }),
    ...(item.MaxConcurrentClients === undefined ? {} : { maxConcurrentClients: item.MaxConcurrentClients }),
  };
  const problem = launchSettingProblem(launch);
  if (problem) throw new ItemFailure(`${problem.field === 'maxConcurrentClients' ? 'MaxConcurrentClients' : problem.field} ${problem.must}`);
  return { type, ...(requirements ? { requirements } : {}), launch };
}

/** Why a pool does not take what the item asks for (its session_manager allow-list), or the profile the item's PermissionsFile picks there. */
function poolAllows(policy: Policy, poolId: string, item: Item, launch: LaunchSettings): { refused: string } | { profile?: { profile: string; text: string } } {
  const allowed = policy.pools.get(poolId)?.sessionManager ?? { initFiles: [], storageRoots: [], permissionProfiles: [] };
  if (launch.init && !allowed.initFiles.includes(launch.init)) return { refused: `InitFile ${launch.init} is not allowed in pool ${poolId} (its session_manager.init_files)` };
  if (launch.storageRoot && !allowed.storageRoots.includes(launch.storageRoot))
    return { refused: `StorageRoot ${launch.storageRoot} is not allowed in pool ${poolId} (its session_manager.storage_roots)` };
  if (item.PermissionsFile === undefined) return {};
  const read = permissionLines(item.PermissionsFile);
  if ('problem' in read) return { refused: read.problem };
  const name = matchingProfile(read.lines, allowed.permissionProfiles, policy.permissionProfiles);
  if (!name) return { refused: `PermissionsFile is not one of the permission profiles pool ${poolId} allows (its session_manager.permission_profiles)` };
  return { profile: { profile: name, text: permissionsFileText(policy.permissionProfiles.get(name) ?? []) } };
}

/** Placement found nothing usable in this pool: the next pool may do. */
const poolUnusable = (err: unknown) => err instanceof ApiError && (err.code === 'NO_SERVER_AVAILABLE' || err.code === 'NO_HEALTHY_SERVER');

/** An item that passed every check made before the answer: who, what, and the pools to try in order. */
interface Plan {
  owner: string;
  groups: string[];
  type: SessionType;
  name?: string;
  requirements?: Requirement;
  launch: LaunchSettings;
  pools: { poolId: string; profile?: { profile: string; text: string }; beyondPolicy: boolean }[];
}

/**
 * The checks made before createSessions answers, each refusal an UnsuccessfulList entry: fields dcvix
 * cannot honour, Owner and whether the client acts for it, the item's wishes, and the pools (policy
 * order) that the policy lets Owner use (or the client's owners limit does) and the client may place in,
 * whose allow-lists take the item's files.
 */
function prepare(deps: SessionManagerDeps, client: ApiClientRecord, item: Item): Plan {
  const refusal = unsupported(item);
  if (refusal) throw new ItemFailure(refusal);
  const owner = item.Owner ?? '';
  if (!isUserName(owner)) throw new ItemFailure('Owner must be a login name');
  if (!actsFor(client, owner)) throw new ItemFailure(`NOT_PERMITTED: this API client may not act for ${owner}`);
  const { type, requirements, launch } = wishes(item);
  const policy = deps.policy.current;
  const groups = groupsOf(policy, owner);
  const entitled = entitlements(policy, owner, groups);
  const beyond = createsBeyondPolicy(client, owner);
  const poolIds = [...policy.pools.keys()].filter((pool) => (entitled.pools.has(pool) || beyond) && (client.pools === null || client.pools.includes(pool)));
  if (!poolIds.length) throw new ItemFailure(`NOT_PERMITTED: the policy lets ${owner} use no pool this API client may place in`);
  const pools: Plan['pools'] = [];
  let refused = '';
  for (const poolId of poolIds) {
    const allows = poolAllows(policy, poolId, item, launch);
    if ('refused' in allows) refused = allows.refused;
    else pools.push({ poolId, ...(allows.profile ? { profile: allows.profile } : {}), beyondPolicy: !entitled.pools.has(poolId) });
  }
  if (!pools.length) throw new ItemFailure(refused);
  return { owner, groups: [...groups], type, ...(item.Name ? { name: item.Name } : {}), ...(requirements ? { requirements } : {}), launch, pools };
}

/**
 * Places a prepared item after the answer, under the id it was answered with: in its first pool with a
 * usable server. Placed: the request is dropped (the session row tells the rest). Failed: the request
 * keeps the reason (describeSessions' StateReason), and the failure is logged, audited and counted.
 * Never throws.
 */
async function place(deps: SessionManagerDeps, client: ApiClientRecord, plan: Plan, request: SessionRequest): Promise<void> {
  const actor = clientActor(client);
  let last: unknown = new ItemFailure('no pool takes this request');
  let pool: string | undefined;
  for (const candidate of plan.pools) {
    pool = candidate.poolId;
    if (candidate.beyondPolicy) {
      deps.audit.record({
        type: 'session.create.override',
        actor,
        target: request.id,
        outcome: 'success',
        detail: `pool ${pool} for ${plan.owner}: not allowed by the policy; the API client's owners limit allows it`,
      });
    }
    try {
      const extras = { requirements: plan.requirements, launch: plan.launch, permissions: candidate.profile, actor, sessionId: request.id, name: plan.name, beyondPolicy: candidate.beyondPolicy };
      await deps.sessions.createForUser({ user: plan.owner, groups: plan.groups }, { poolId: pool }, plan.type, true, extras);
      await deps.requests
        .remove(request.id)
        .catch((error: unknown) => deps.log.warn('placed session request not removed (describeSessions still shows the session)', { sessionId: request.id, error }));
      return;
    } catch (err) {
      last = err;
      if (!poolUnusable(err)) break;
    }
  }
  // The promised id is held by an attempt the director gave up waiting for (a time-out): the next
  // server cannot take that id, and the session may still appear on the first (it is then READY).
  const heldByTimedOut = last instanceof ApiError && last.code === 'SESSION_EXISTS';
  const reason = heldByTimedOut ? 'PLACEMENT_TIMED_OUT: a server did not finish creating the session in time; it may still appear there' : failureReason(last);
  const now = deps.clock.now();
  deps.onCreateFailed?.();
  deps.log.warn('createSessions item not placed', { sessionId: request.id, owner: plan.owner, pool, client: client.name, reason });
  deps.audit.record({ type: 'session.create', actor, target: request.id, outcome: 'failure', detail: `for ${plan.owner}: ${reason}`.slice(0, 300) });
  await deps.requests
    .put({ ...request, ...(pool ? { pool } : {}), state: 'failed', reason, updatedAt: now }, now - REQUESTS_KEPT_MS)
    .catch((error: unknown) => deps.log.error('failed create not recorded: describeSessions keeps showing it CREATING until it is given up', { sessionId: request.id, error }));
}

/**
 * createSessions as Session Manager answers it: each item checked at once (a refused one goes to
 * UnsuccessfulList with its reason), each accepted one recorded under a new session id and answered
 * CREATING, then placed in the background (`placing` settles when every placement has ended).
 */
export async function createSessions(deps: SessionManagerDeps, client: ApiClientRecord, items: Item[]) {
  const SuccessfulList: ReturnType<typeof smRequest>[] = [];
  const UnsuccessfulList: { CreateSessionRequestData: Item; FailureReason: string }[] = [];
  const placements: Promise<void>[] = [];
  for (const item of items) {
    try {
      const plan = prepare(deps, client, item);
      const now = deps.clock.now();
      const request: SessionRequest = {
        id: newSessionId(plan.owner),
        owner: plan.owner,
        clientId: client.id,
        type: plan.type,
        ...(plan.name ? { name: plan.name } : {}),
        state: 'creating',
        createdAt: now,
        updatedAt: now,
      };
      await deps.requests.put(request, now - REQUESTS_KEPT_MS);
      SuccessfulList.push(smRequest(request, requestState(request, now)));
      placements.push(place(deps, client, plan, request));
    } catch (err) {
      UnsuccessfulList.push({ CreateSessionRequestData: item, FailureReason: failureReason(err) });
    }
  }
  return { answer: { SuccessfulList, UnsuccessfulList }, placing: Promise.all(placements).then(() => undefined) };
}
