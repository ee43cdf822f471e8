import { DEFAULT_USER_CONFIG } from './config-keys.ts';
import type { Policy } from './schema.ts';

/** What one user may use: server names (or "*") and pool names. */
export interface Entitlements {
  allServers: boolean;
  servers: Set<string>;
  pools: Set<string>;
}

/**
 * Group membership: the login backend's groups when it reported any (LDAP), else the policy's own
 * group member lists.
 */
export function groupsOf(policy: Policy, user: string, backendGroups?: readonly string[]): string[] {
  if (backendGroups && backendGroups.length > 0) return [...backendGroups];
  return [...(policy.memberOf.get(user) ?? [])];
}

/**
 * The groups a token's holder is in now: groups the policy defines by member list count only while the
 * user is still listed (the token may predate an edit), other groups (from the login backend) as given,
 * plus policy groups the user was added to since.
 */
export function currentGroups(policy: Policy, user: string, tokenGroups: readonly string[]): string[] {
  const listedIn = policy.memberOf.get(user) ?? [];
  const out = new Set<string>();
  for (const group of tokenGroups) {
    const def = policy.groups.get(group);
    if (!def || def.members.length === 0 || listedIn.includes(group)) out.add(group);
  }
  for (const name of listedIn) out.add(name);
  return [...out];
}

export function isAdmin(policy: Policy, user: string, groups: readonly string[]): boolean {
  return policy.admins.has(user) || groups.some((g) => policy.adminGroups.has(g));
}

/** Union of the user's own grant and every group's grant. */
export function entitlements(policy: Policy, user: string, groups: readonly string[]): Entitlements {
  const grants = [policy.users.get(user), ...groups.map((g) => policy.groups.get(g))].filter((g) => g !== undefined);
  const servers = new Set<string>();
  const pools = new Set<string>();
  for (const grant of grants) {
    for (const server of grant.servers) servers.add(server);
    for (const pool of grant.pools) if (policy.pools.has(pool)) pools.add(pool);
  }
  return { allServers: servers.has('*'), servers, pools };
}

/** Members of a pool; "*" in a pool means every known server. */
export function poolMembers(policy: Policy, pool: string, knownServers: Iterable<string>): string[] {
  const poolEntry = policy.pools.get(pool);
  if (!poolEntry) return [];
  return poolEntry.servers.includes('*') ? [...knownServers] : poolEntry.servers;
}

/**
 * Is `server` a member of `pool`? Like poolMembers(...).includes(server), without listing every known
 * server for a "*" pool: asked once per session of a fleet-wide list, that listing made the list quadratic.
 */
export function poolHas(policy: Policy, pool: string, server: string, isKnownServer: (id: string) => boolean): boolean {
  const poolEntry = policy.pools.get(pool);
  if (!poolEntry) return false;
  return poolEntry.servers.includes('*') ? isKnownServer(server) : poolEntry.servers.includes(server);
}

/** May this user use this server directly (not through a pool)? */
export function mayUseServer(entitled: Entitlements, server: string): boolean {
  return entitled.allServers || entitled.servers.has(server);
}

/**
 * The dcv.conf keys (`section.key` / `section.*`) the holder of `entitled` may set on `server`, or
 * undefined when they may not use it at all. The union of the `userConfig` lists that apply: the
 * server's own and that of every pool through which they may use it. When none of these names a list,
 * pools.json's top-level `userConfig`, else DEFAULT_USER_CONFIG. (A pool with `"userConfig": []`
 * does name one: its users may set nothing there.)
 */
export function userConfigAllowList(policy: Policy, entitled: Entitlements, server: string, isKnownServer: (id: string) => boolean): string[] | undefined {
  const viaPools = [...entitled.pools].filter((pool) => poolHas(policy, pool, server, isKnownServer));
  if (viaPools.length === 0 && !mayUseServer(entitled, server)) return undefined;
  const lists = [policy.servers.get(server)?.userConfig, ...viaPools.map((pool) => policy.pools.get(pool)?.userConfig)].filter((list) => list !== undefined);
  if (lists.length === 0) return [...(policy.userConfig ?? DEFAULT_USER_CONFIG)];
  return [...new Set(lists.flat())];
}
