import { readApiAllowance, type ApiAllowance } from './api-allowance.ts';
import { neverUserSettable, splitConfigKeyEntry } from './config-keys.ts';
import { readPermissionProfiles, readProfileChoice, type ProfileChoice } from './permission-profiles.ts';
import { readPoolSettings, type PoolSettings } from './pool-settings.ts';
import type { Requirement } from './requirements/parse.ts';
import { readPolicyRequirements } from './requirements/server-facts.ts';
import { RequirementsError } from './requirements/tokenize.ts';

/**
 * The access policy, from two JSON files in the policy directory:
 *
 * users.json  { "admins": ["root"], "adminGroups": ["dcv-admins"],
 *               "users":  { "alice": { "servers": ["ws01"], "pools": ["eng"] } },
 *               "groups": { "engineers": { "members": ["bob"], "servers": [], "pools": ["eng"] } } }
 * pools.json  { "userConfig": ["display.quality"],
 *               "pools": { "eng": { "description": "Engineering", "servers": ["ws01", "ws02"], "userConfig": ["display.*"],
 *                                   "max_sessions_per_user": 2, "gl": "on", "requirements": "tag:gpu = 'a10'" } },
 *               "servers": { "ws01": { "userConfig": ["clipboard.max-text-len"] } } }
 *
 * Servers are named by the host name their agent reports; "*" in a servers list means every server.
 * A group's members come from the login backend when it knows groups (LDAP), else from "members".
 * `userConfig` lists are the dcv.conf keys users may set (config-keys.ts; evaluate.ts combines them).
 * A pool's session limit and launch settings are read by pool-settings.ts; DCV permission profiles
 * (`permissionProfiles`, and `permissions` on pools, servers and groups) by permission-profiles.ts.
 * A pool's `requirements` (Session Manager's expression language, requirements/) narrows placement to
 * the members that satisfy it. What API clients may ask of a pool beyond its launch settings
 * (`session_manager`) is read by api-allowance.ts.
 */
export interface Grant {
  servers: string[];
  pools: string[];
}

/** Where the policy says something about a pool or a server beyond who may use it. */
interface ConfigAllowance {
  /** `section.key` / `section.*` entries users may set; absent = this place says nothing. */
  userConfig?: string[];
}

export interface Policy {
  admins: Set<string>;
  adminGroups: Set<string>;
  users: Map<string, Grant>;
  groups: Map<string, Grant & { members: string[] }>;
  /** user -> the groups whose member lists name them, in users.json order (made once, asked on every request). */
  memberOf: Map<string, string[]>;
  pools: Map<string, { description: string; servers: string[]; requirements?: Requirement; sessionManager?: ApiAllowance } & ConfigAllowance & PoolSettings & ProfileChoice>;
  /** pools.json `servers`: per-server settings, by host name. */
  servers: Map<string, ConfigAllowance & ProfileChoice>;
  /** pools.json `permissionProfiles`: DCV permission lines by profile name, `full` built in. */
  permissionProfiles: Map<string, readonly string[]>;
  /** users.json groups' `permissions`: group -> the profile its members' sessions get, in users.json order. */
  groupPermissions: Map<string, string>;
  /** pools.json top-level `userConfig`: the allow-list where no pool or server names one. */
  userConfig?: string[];
}

export class PolicyError extends Error {}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@\\-]{0,127}$/;
/**
 * Group names are wider: they are whatever the login backend reports, and an LDAP group may be called
 * "Domain Users" (or "Domänen-Benutzer", or "eng,ops"). Up to 128 characters, no control characters,
 * no space at either end.
 */
const GROUP_NAME_RE = /^(?=[\s\S]{1,128}$)[^\s\p{C}](?:[^\p{C}]*[^\s\p{C}])?$/u;
const SERVER_RE = /^(\*|[A-Za-z0-9][A-Za-z0-9.-]{0,252})$/;

/** Validates parsed JSON into a Policy; throws PolicyError naming the file and the path of the bad value. */
export function parsePolicy(users: unknown, pools: unknown): Policy {
  const userMap = object(users ?? {}, 'users.json');
  const poolMap = object(pools ?? {}, 'pools.json');
  const groups = grants(userMap.groups ?? {}, 'users.json: groups', true) as Map<string, Grant & { members: string[] }>;
  const profiles = readPermissionProfiles(poolMap.permissionProfiles, 'pools.json: permissionProfiles', fail);
  return {
    admins: new Set(names(userMap.admins ?? [], 'users.json: admins')),
    adminGroups: new Set(names(userMap.adminGroups ?? [], 'users.json: adminGroups', GROUP_NAME_RE)),
    users: grants(userMap.users ?? {}, 'users.json: users', false) as Map<string, Grant>,
    groups,
    memberOf: memberIndex(groups),
    permissionProfiles: profiles,
    groupPermissions: groupProfiles(userMap.groups, profiles),
    pools: new Map(
      Object.entries(object(poolMap.pools ?? {}, 'pools.json: pools')).map(([name, v]) => {
        const where = `pools.json: pools.${name}`;
        checkName(name, where);
        const pool = object(v, where);
        const description = pool.description ?? '';
        if (typeof description !== 'string') throw new PolicyError(`${where}.description must be a string`);
        const read = readPoolSettings(pool, where);
        if ('error' in read) throw new PolicyError(read.error);
        const requirements = requirementsOf(pool.requirements, `${where}.requirements`);
        return [
          name,
          {
            description,
            servers: serverList(pool.servers ?? [], `${where}.servers`),
            ...(requirements ? { requirements } : {}),
            ...allowance(pool.userConfig, `${where}.userConfig`),
            ...read.settings,
            ...readProfileChoice(pool.permissions, `${where}.permissions`, profiles, fail),
            ...readApiAllowance(pool.session_manager, `${where}.session_manager`, profiles, fail),
          },
        ];
      }),
    ),
    servers: new Map(
      Object.entries(object(poolMap.servers ?? {}, 'pools.json: servers')).map(([host, v]) => {
        const where = `pools.json: servers.${host.slice(0, 80)}`;
        if (host === '*' || !SERVER_RE.test(host)) throw new PolicyError(`${where}: not a host name (for every server use the top-level userConfig)`);
        const server = object(v, where);
        return [host, { ...allowance(server.userConfig, `${where}.userConfig`), ...readProfileChoice(server.permissions, `${where}.permissions`, profiles, fail) }];
      }),
    ),
    ...allowance(poolMap.userConfig, 'pools.json: userConfig'),
  };
}

const fail = (message: string): never => {
  throw new PolicyError(message);
};

/** users.json groups that name a permission profile (already checked to be objects), in file order. */
function groupProfiles(groups: unknown, profiles: ReadonlyMap<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, group] of Object.entries((groups ?? {}) as Record<string, Record<string, unknown>>)) {
    const { permissions } = readProfileChoice(group.permissions, `users.json: groups.${name}.permissions`, profiles, fail);
    if (permissions !== undefined) out.set(name, permissions);
  }
  return out;
}

function memberIndex(groups: Map<string, { members: string[] }>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const [name, group] of groups) {
    for (const member of new Set(group.members)) {
      const of = index.get(member);
      if (of) of.push(name);
      else index.set(member, [name]);
    }
  }
  return index;
}

/** A `userConfig` list of pools.json, checked (`at` names it in errors); absent stays absent: that place says nothing. */
function allowance(list: unknown, at: string): ConfigAllowance {
  if (list === undefined) return {};
  if (!Array.isArray(list)) throw new PolicyError(`${at} must be a list of "section.key" or "section.*" entries`);
  list.forEach((entry, index) => {
    const split = splitConfigKeyEntry(entry);
    if (!split) throw new PolicyError(`${at}[${index}]: "${String(entry).slice(0, 80)}" is not "section.key" or "section.*" (dcv.conf names, lower case)`);
    const never = neverUserSettable(split.section, split.key);
    if (never) throw new PolicyError(`${at}[${index}]: "${entry}": ${never}`);
  });
  return { userConfig: [...new Set(list as string[])] };
}

/** A pool's `requirements` expression, parsed and its references checked (`at` names it in errors); absent stays absent. */
function requirementsOf(value: unknown, at: string): Requirement | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new PolicyError(`${at} must be a string: an expression such as "tag:gpu = 'a10'"`);
  try {
    return readPolicyRequirements(value);
  } catch (err) {
    if (err instanceof RequirementsError) throw new PolicyError(`${at}: ${err.message}`);
    throw err;
  }
}

function grants(value: unknown, where: string, withMembers: boolean): Map<string, Grant & { members?: string[] }> {
  const out = new Map<string, Grant & { members?: string[] }>();
  for (const [name, raw] of Object.entries(object(value, where))) {
    checkName(name, `${where}.${name}`, withMembers ? GROUP_NAME_RE : NAME_RE);
    const grant = object(raw, `${where}.${name}`);
    out.set(name, {
      servers: serverList(grant.servers ?? [], `${where}.${name}.servers`),
      pools: names(grant.pools ?? [], `${where}.${name}.pools`),
      ...(withMembers ? { members: names(grant.members ?? [], `${where}.${name}.members`) } : {}),
    });
  }
  return out;
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PolicyError(`${where} must be an object`);
  return value as Record<string, unknown>;
}

function names(value: unknown, where: string, pattern = NAME_RE): string[] {
  if (!Array.isArray(value)) throw new PolicyError(`${where} must be a list of names`);
  for (const name of value) checkName(name, where, pattern);
  return value as string[];
}

function serverList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || !SERVER_RE.test(s))) {
    throw new PolicyError(`${where} must be a list of host names or "*"`);
  }
  return value as string[];
}

function checkName(candidate: unknown, where: string, pattern = NAME_RE): void {
  if (typeof candidate !== 'string' || !pattern.test(candidate)) throw new PolicyError(`${where}: "${String(candidate).slice(0, 40)}" is not a valid name`);
}

/** Whether `value` may name a group (of the policy, or as a login backend reports it). */
export const isGroupName = (value: string): boolean => GROUP_NAME_RE.test(value);

export const emptyPolicy = (): Policy => parsePolicy({}, {});
