import { isUserName } from '../../shared/api/agent-wire.ts';
import { permissionLineProblem } from '../../shared/api/dcv-permissions.ts';
import { ROLE_FEATURES } from '../sharing/permissions-text.ts';
import type { ShareRole } from '../sharing/share-store.ts';

const HEADS = new Set(['[groups]', '[aliases]', '[permissions]']);
const words = (line: string) => line.trim().split(/[ \t]+/);

/**
 * The permission lines of a DCV permissions file an API client sent base64-encoded, each as its words
 * joined by one space. Only the [permissions] section is taken: group and alias definitions would let a
 * client name actors the director cannot check.
 */
export function permissionLines(base64: string): { lines: string[] } | { problem: string } {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64.replace(/\s+/g, ''))) return { problem: 'PermissionsFile is not base64' };
  const lines: string[] = [];
  let section = '[permissions]';
  for (const raw of Buffer.from(base64, 'base64').toString('utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (HEADS.has(line)) {
      section = line;
      continue;
    }
    if (section !== '[permissions]') return { problem: `PermissionsFile: ${section} entries are not supported (only [permissions] lines)` };
    const problem = permissionLineProblem(line);
    if (problem) return { problem: `PermissionsFile: "${line.slice(0, 80)}": ${problem}` };
    lines.push(words(line).join(' '));
  }
  return { lines };
}

/** The first of `allowed` profiles whose lines are exactly `lines`, or undefined. */
export function matchingProfile(lines: readonly string[], allowed: readonly string[], profiles: ReadonlyMap<string, readonly string[]>): string | undefined {
  return allowed.find((name) => {
    const profile = (profiles.get(name) ?? []).map((line) => words(line).join(' '));
    return profile.length === lines.length && profile.every((line, index) => line === lines[index]);
  });
}

const sameFeatures = (features: readonly string[], role: ShareRole) => features.length === ROLE_FEATURES[role].length && ROLE_FEATURES[role].every((feature) => features.includes(feature));

/**
 * The shares a permissions file asks for on top of the session's profile (`baseLines`, which the file
 * may repeat): one `user allow ...` line per invitee with exactly a viewer's or a collaborator's
 * features. Anything else would grant beyond what the policy's profile and sharing allow: refused.
 */
export function sharesFrom(lines: readonly string[], baseLines: readonly string[]): { shares: { user: string; role: ShareRole }[] } | { problem: string } {
  const base = new Set(baseLines.map((line) => words(line).join(' ')));
  const shares = new Map<string, ShareRole>();
  for (const line of lines) {
    if (base.has(line)) continue;
    const [actor = '', rule, ...features] = words(line);
    const role = rule === 'allow' && isUserName(actor) ? (['viewer', 'collaborator'] as const).find((candidate) => sameFeatures(features, candidate)) : undefined;
    if (!role || shares.has(actor)) {
      return {
        problem: `PermissionsFile: "${line.slice(0, 80)}" is beyond what dcvix grants: on top of the session's profile only one "<user> allow ${ROLE_FEATURES.viewer.join(' ')}" (viewer) or "<user> allow ${ROLE_FEATURES.collaborator.join(' ')}" (collaborator) line per user`,
      };
    }
    shares.set(actor, role);
  }
  return { shares: [...shares].map(([user, role]) => ({ user, role })) };
}
