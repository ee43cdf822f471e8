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
  const out: string[] = [];
  for (const [name, g] of policy.groups) if (g.members.includes(user)) out.push(name);
  return out;
}

/**
 * The groups a token's holder is in now: groups the policy defines by member list count only while the
 * user is still listed (the token may predate an edit), other groups (from the login backend) as given,
 * plus policy groups the user was added to since.
 */
export function currentGroups(policy: Policy, user: string, tokenGroups: readonly string[]): string[] {
  const out = new Set<string>();
  for (const g of tokenGroups) {
    const def = policy.groups.get(g);
    if (!def || def.members.length === 0 || def.members.includes(user)) out.add(g);
  }
  for (const [name, g] of policy.groups) if (g.members.includes(user)) out.add(name);
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
  for (const g of grants) {
    for (const s of g.servers) servers.add(s);
    for (const p of g.pools) if (policy.pools.has(p)) pools.add(p);
  }
  return { allServers: servers.has('*'), servers, pools };
}

/** Members of a pool; "*" in a pool means every known server. */
export function poolMembers(policy: Policy, pool: string, knownServers: Iterable<string>): string[] {
  const p = policy.pools.get(pool);
  if (!p) return [];
  return p.servers.includes('*') ? [...knownServers] : p.servers;
}

/** May this user use this server directly (not through a pool)? */
export function mayUseServer(e: Entitlements, server: string): boolean {
  return e.allServers || e.servers.has(server);
}
