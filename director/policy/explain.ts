import { groupsOf, isAdmin } from './evaluate.ts';
import type { Grant, Policy } from './schema.ts';

/** What explain is asked: a user (with the groups a login would bring) and a server or a pool. */
export interface ExplainQuestion {
  user: string;
  /** The login backend's groups; empty: the policy's own member lists decide, as at a login that reports none. */
  groups: readonly string[];
  server?: string;
  pool?: string;
}

/** One entry of users.json that grants the server or pool, and the pattern that matched. */
export interface ExplainGrant {
  entry: 'user' | 'group';
  /** The user's or the group's name. */
  name: string;
  /** `servers`: the entry's servers list matched; `pools`: the entry grants a pool that holds it. */
  via: 'servers' | 'pools';
  /** The servers-list entry that matched (a host name or "*"), or the pool's name. */
  pattern: string;
  /** via pools: the pool's servers-list entry that holds the server (a host name or "*"). */
  poolPattern?: string;
}

/** Why the policy does or does not let a user use a server or a pool. */
export interface Explanation {
  user: string;
  groups: string[];
  /** Where the groups came from: the question, or the policy's member lists. */
  groupsFrom: 'query' | 'policy';
  admin: { is: boolean; by: string[] };
  grants: ExplainGrant[];
  allowed: boolean;
  /** Things worth knowing that grant nothing (a granted pool that is not defined, a "*" pool and an unknown server). */
  notes: string[];
}

/**
 * Which entries of the policy grant `question.server` (directly, or through a pool that holds it) or
 * `question.pool` to the user, the way placement decides (policyAllows): the user's own entry and
 * those of their groups, "*" in a servers list for every server, a "*" pool for every server this
 * director knows. Admins are listed apart: their role lets them act on any server, not use it.
 */
export function explainAccess(policy: Policy, question: ExplainQuestion, isKnownServer: (id: string) => boolean): Explanation {
  const groups = groupsOf(policy, question.user, question.groups);
  const entries: { entry: 'user' | 'group'; name: string; grant: Grant | undefined }[] = [
    { entry: 'user', name: question.user, grant: policy.users.get(question.user) },
    ...groups.map((name) => ({ entry: 'group' as const, name, grant: policy.groups.get(name) })),
  ];
  const grants: ExplainGrant[] = [];
  const notes = new Set<string>();
  for (const { entry, name, grant } of entries) {
    if (!grant) continue;
    if (question.server !== undefined) {
      for (const pattern of grant.servers) if (pattern === '*' || pattern === question.server) grants.push({ entry, name, via: 'servers', pattern });
    }
    for (const pool of grant.pools) {
      const defined = policy.pools.get(pool);
      if (!defined) {
        notes.add(`pool ${pool} (granted to ${entry} ${name}) is not defined in pools.json`);
        continue;
      }
      if (question.pool !== undefined) {
        if (pool === question.pool) grants.push({ entry, name, via: 'pools', pattern: pool });
        continue;
      }
      const server = question.server!;
      if (defined.servers.includes(server)) grants.push({ entry, name, via: 'pools', pattern: pool, poolPattern: server });
      else if (defined.servers.includes('*')) {
        if (isKnownServer(server)) grants.push({ entry, name, via: 'pools', pattern: pool, poolPattern: '*' });
        else notes.add(`pool ${pool} lists "*" (every server this director knows), and no agent has reported ${server}`);
      }
    }
  }
  for (const group of groups) if (!policy.groups.has(group)) notes.add(`group ${group} has no entry in users.json`);
  if (question.pool !== undefined && !policy.pools.has(question.pool)) notes.add(`pool ${question.pool} is not defined in pools.json`);
  const by = [...(policy.admins.has(question.user) ? ['admins'] : []), ...groups.filter((group) => policy.adminGroups.has(group)).map((group) => `adminGroups: ${group}`)];
  return {
    user: question.user,
    groups,
    groupsFrom: question.groups.length > 0 ? 'query' : 'policy',
    admin: { is: isAdmin(policy, question.user, groups), by },
    grants,
    allowed: grants.length > 0,
    notes: [...notes],
  };
}
