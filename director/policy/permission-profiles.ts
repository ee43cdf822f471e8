import { PERMISSION_LINE_MAX, permissionLineProblem } from '../../shared/api/dcv-permissions.ts';

/**
 * DCV permission profiles: named lists of permissions-file lines in pools.json, assigned to pools and
 * servers, and overridden for a group's members in users.json:
 *
 * pools.json  { "permissionProfiles": { "restricted": ["%owner% allow builtin",
 *                                                     "%owner% deny clipboard-copy file-download usb"] },
 *               "pools":   { "contractors": { "servers": ["*"], "permissions": "restricted" } },
 *               "servers": { "ws01": { "permissions": "restricted" } } }
 * users.json  { "groups": { "leads": { "members": ["carol"], "permissions": "full" } } }
 *
 * `full` is built in (`%owner% allow builtin`, what DCV's default file says) and may not be redefined.
 * A session gets, in this order: the profile of the first group in users.json that names one and
 * holds its owner; else its pool's (made through a pool); else its server's; else none, and DCV's
 * default permissions file applies. Lines are checked at load against DCV's grammar (actors, rules,
 * features): a bad one stops the load naming the file and key.
 */

/** The built-in profile: the owner may do everything, nobody else anything. */
const FULL_PROFILE = 'full';
/** The built-in profile's lines: a session that is shared starts from these when the policy names no profile. */
export const FULL_PROFILE_LINES: readonly string[] = ['%owner% allow builtin'];

/** Most lines one profile may hold (with share lines the file stays well under the agent's limit). */
const PROFILE_LINES_MAX = 64;

const PROFILE_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** Where a pool's, server's or group's `permissions` key is read from, with its checked value. */
export interface ProfileChoice {
  /** The profile name; absent = this place names none. */
  permissions?: string;
}

/** A policy-load error message (the caller throws it as its PolicyError). */
type Fail = (message: string) => never;

/**
 * pools.json's `permissionProfiles` checked (`at` names it in errors), `full` included.
 * @returns profile name -> its lines
 */
export function readPermissionProfiles(value: unknown, at: string, fail: Fail): Map<string, readonly string[]> {
  const profiles = new Map<string, readonly string[]>([[FULL_PROFILE, FULL_PROFILE_LINES]]);
  if (value === undefined) return profiles;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${at} must be an object of profile name -> list of permission lines`);
  for (const [name, lines] of Object.entries(value as Record<string, unknown>)) {
    const where = `${at}.${name.slice(0, 64)}`;
    if (!PROFILE_NAME_RE.test(name)) fail(`${where}: "${name.slice(0, 64)}" is not a valid profile name`);
    if (name === FULL_PROFILE) fail(`${where}: "${FULL_PROFILE}" is built in (%owner% allow builtin) and cannot be redefined`);
    if (!Array.isArray(lines) || lines.length === 0 || lines.length > PROFILE_LINES_MAX) fail(`${where} must be a list of 1 to ${PROFILE_LINES_MAX} permission lines`);
    (lines as unknown[]).forEach((line, index) => {
      if (typeof line !== 'string') fail(`${where}[${index}] must be a text line "actor rule feature..."`);
      const problem = permissionLineProblem(line as string);
      if (problem) fail(`${where}[${index}]: "${(line as string).slice(0, PERMISSION_LINE_MAX)}": ${problem}`);
    });
    profiles.set(name, [...(lines as string[])]);
  }
  return profiles;
}

/** A `permissions` key of a pool, server or group checked against the profiles (absent: names none). */
export function readProfileChoice(value: unknown, at: string, profiles: ReadonlyMap<string, unknown>, fail: Fail): ProfileChoice {
  if (value === undefined) return {};
  if (typeof value !== 'string' || !profiles.has(value)) {
    const known = [...profiles.keys()].join(', ');
    fail(`${at}: ${JSON.stringify(String(value).slice(0, 64))} is not a permission profile (defined in pools.json permissionProfiles: ${known})`);
  }
  return { permissions: value as string };
}

/** What decides a session's profile: the policy's parts that name profiles. */
interface ProfilePolicy {
  permissionProfiles: ReadonlyMap<string, readonly string[]>;
  /** Groups naming a profile, in users.json order. */
  groupPermissions: ReadonlyMap<string, string>;
  pools: ReadonlyMap<string, ProfileChoice>;
  servers: ReadonlyMap<string, ProfileChoice>;
}

/**
 * The profile a session of an owner in `groups` gets on `serverId` (through `pool`, if any): see the
 * order above. Undefined when no place names one (DCV's default file applies).
 */
export function profileFor(policy: ProfilePolicy, groups: readonly string[], serverId: string, pool?: string): { name: string; lines: readonly string[] } | undefined {
  let name: string | undefined;
  for (const [group, profile] of policy.groupPermissions) {
    if (groups.includes(group)) {
      name = profile;
      break;
    }
  }
  name ??= (pool === undefined ? undefined : policy.pools.get(pool)?.permissions) ?? policy.servers.get(serverId)?.permissions;
  const lines = name === undefined ? undefined : policy.permissionProfiles.get(name);
  return name === undefined || lines === undefined ? undefined : { name, lines };
}
