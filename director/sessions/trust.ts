import { entitlements, groupsOf, mayUseServer, poolHas } from '../policy/evaluate.ts';
import type { Policy } from '../policy/schema.ts';
import type { SessionEntry } from '../servers/records.ts';

/**
 * May `user` use `serverId` under this policy, directly or through a pool? `backendGroups` are the
 * login backend's groups when the user is the caller (from the token); else the policy's own.
 */
export function policyAllows(policy: Policy, user: string, serverId: string, isKnownServer: (id: string) => boolean, backendGroups?: readonly string[]): boolean {
  const entitled = entitlements(policy, user, groupsOf(policy, user, backendGroups));
  if (mayUseServer(entitled, serverId)) return true;
  for (const pool of entitled.pools) if (poolHas(policy, pool, serverId, isKnownServer)) return true;
  return false;
}

/**
 * A session is managed when the director created it or its owner may use its server under the current
 * policy. Anything else was only reported by an agent (a compromised host can report any owner): it
 * never enters the owner's list nor gets a connection token; admins see it as `unmanaged`.
 */
export function isManaged(policy: Policy, s: SessionEntry, isKnownServer: (id: string) => boolean, ownerGroups?: readonly string[]): boolean {
  return s.origin === 'director' || policyAllows(policy, s.owner, s.serverId, isKnownServer, ownerGroups);
}
