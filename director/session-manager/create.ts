import type { Static } from 'elysia';
import { isUserName, type SessionType } from '../../shared/api/agent-wire.ts';
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
import type { SessionEntry } from '../servers/records.ts';
import { actsFor, failureReason, ItemFailure, type SessionManagerDeps } from './deps.ts';
import type { CreateSessionItem } from './models.ts';
import { matchingProfile, permissionLines } from './permissions-file.ts';
import { smSession } from './views.ts';

type Item = Static<typeof CreateSessionItem>;

/** Fields of the YAML dcvix cannot honour: a request that sets one is refused, never half-done. */
function unsupported(item: Item): string | undefined {
  if (item.Name) return 'Name is not supported: dcvix creates sessions without a display name (leave Name out)';
  if (item.AutorunFile || item.AutorunFileArguments?.length)
    return 'AutorunFile is not supported: dcv create-session has no option that runs a file inside the session (use an InitFile the pool allows)';
  if (item.EnqueueRequest) return 'EnqueueRequest is not supported: dcvix answers at once and queues nothing';
  if (item.DisableRetryOnFailure) return "DisableRetryOnFailure is not supported: a pool create always tries the pool's next server after a host-side failure";
  if (item.InitFile && item.InitFilePath && item.InitFile !== item.InitFilePath) return 'InitFile and InitFilePath (its deprecated name) differ';
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

/**
 * One createSessions item: a pool placement for Owner, in the first pool (policy order) that the policy
 * lets Owner use, the client may place in, and whose allow-list takes the item's files, trying the next
 * when a pool has no usable server.
 */
async function createOne(deps: SessionManagerDeps, client: ApiClientRecord, item: Item): Promise<SessionEntry> {
  const refusal = unsupported(item);
  if (refusal) throw new ItemFailure(refusal);
  const owner = item.Owner ?? '';
  if (!isUserName(owner)) throw new ItemFailure('Owner must be a login name');
  if (!actsFor(client, owner)) throw new ItemFailure(`NOT_PERMITTED: this API client may not act for ${owner}`);
  const { type, requirements, launch } = wishes(item);
  const policy = deps.policy.current;
  const groups = groupsOf(policy, owner);
  const entitled = entitlements(policy, owner, groups);
  const pools = [...policy.pools.keys()].filter((pool) => entitled.pools.has(pool) && (client.pools === null || client.pools.includes(pool)));
  if (!pools.length) throw new ItemFailure(`NOT_PERMITTED: the policy lets ${owner} use no pool this API client may place in`);
  let last: unknown = new ItemFailure('no pool takes this request');
  for (const poolId of pools) {
    const allows = poolAllows(policy, poolId, item, launch);
    if ('refused' in allows) {
      last = new ItemFailure(allows.refused);
      continue;
    }
    try {
      const extras = { requirements, launch, permissions: allows.profile, actor: clientActor(client) };
      return (await deps.sessions.createForUser({ user: owner, groups }, { poolId }, type, true, extras)).session;
    } catch (err) {
      if (!poolUnusable(err)) throw err;
      last = err;
    }
  }
  throw last;
}

/** createSessions: each item on its own; a refused or failed one goes to UnsuccessfulList with its reason. */
export async function createSessions(deps: SessionManagerDeps, client: ApiClientRecord, items: Item[]) {
  const SuccessfulList: ReturnType<typeof smSession>[] = [];
  const UnsuccessfulList: { CreateSessionRequestData: Item; FailureReason: string }[] = [];
  for (const item of items) {
    try {
      const session = await createOne(deps, client, item);
      const server = deps.state.server(session.serverId);
      if (!server) throw new ApiError(503, 'SERVER_GONE', `${session.serverId} is gone`);
      SuccessfulList.push(smSession(deps, session, server));
    } catch (err) {
      UnsuccessfulList.push({ CreateSessionRequestData: item, FailureReason: failureReason(err) });
    }
  }
  return { SuccessfulList, UnsuccessfulList };
}
