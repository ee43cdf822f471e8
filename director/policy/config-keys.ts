import { CONFIG_KEY_RE, CONFIG_SECTION_RE } from '../../shared/api/agent-wire.ts';

/**
 * Which dcv.conf keys users may set through POST /v1/user/servers/{server}/config. `dcv set-config`
 * runs as root and changes the host's configuration for every session on it, so users get an
 * allow-list: entries `section.key` (or `section.*`, every key of that one section, not its
 * sub-sections) from the policy's `userConfig` lists, DEFAULT_USER_CONFIG where the policy names none.
 * What runs or secures the host is never user-settable, whatever the policy says: the policy loader
 * refuses such entries and the route refuses such keys again for users (admins may set anything).
 */

/** Sections users may never set, with what they hold. A sub-section (`a/b`) counts as its top section. */
const NEVER_SECTIONS = new Map([
  ['security', 'authentication, the auth-token verifier, certificates, ciphers'],
  ['connectivity', 'ports, listeners, transports, web paths and headers'],
  ['license', 'licensing'],
  ['log', 'logging and transfer auditing'],
  ['session-management', 'session owners, permissions files, what a virtual session runs'],
]);

/**
 * Words (between `-` and `_`) that mark a key, in any section, as about ports and listeners,
 * authentication and tokens, certificates and TLS, licensing, logging, or files, paths and commands on
 * the host: never user-settable even where a section allows the rest (`display.*`).
 */
const NEVER_KEY_WORDS = new Set(
  [
    'port ports listen listener listeners endpoint endpoints address addresses host hosts url proxy quic',
    'auth authentication authorization verifier token tokens password secret private pam',
    'cert certs certificate certificates ca crl cipher ciphers tls ssl',
    'license licensing log logs logging audit auditing',
    'file files path paths dir directory root owner permission permissions administrators admin',
    'command commands exec args arguments script scripts profile',
  ]
    .join(' ')
    .split(' '),
);

/**
 * The allow-list where the policy names none (no `userConfig` on the server, its pools, or pools.json's
 * top level): two image knobs that only trade picture quality for bandwidth.
 */
export const DEFAULT_USER_CONFIG: readonly string[] = ['display.quality', 'display.target-fps'];

/** Why users may never set `section.key` whatever the policy says, or undefined. `key` may be `*`. */
export function neverUserSettable(section: string, key: string): string | undefined {
  const top = section.split('/')[0] ?? section;
  const holds = NEVER_SECTIONS.get(top);
  if (holds) return `section ${top} (${holds}) is never user-settable`;
  const word = key.split(/[-_]/).find((part) => NEVER_KEY_WORDS.has(part));
  if (word) return `keys about "${word}" (ports, authentication, certificates, licensing, logging, files and commands) are never user-settable`;
  return undefined;
}

/** A `section.key` or `section.*` list entry split in two, or undefined when it is neither. */
export function splitConfigKeyEntry(entry: unknown): { section: string; key: string } | undefined {
  if (typeof entry !== 'string') return undefined;
  const parts = entry.split('.');
  if (parts.length !== 2) return undefined;
  const [section = '', key = ''] = parts;
  return CONFIG_SECTION_RE.test(section) && (key === '*' || CONFIG_KEY_RE.test(key)) ? { section, key } : undefined;
}

/** Whether an allow-list names this section and key, exactly or by `section.*`. */
export function listAllows(allowList: Iterable<string>, section: string, key: string): boolean {
  for (const entry of allowList) if (entry === `${section}.${key}` || entry === `${section}.*`) return true;
  return false;
}

/** An entry of a config request a user may not set, and why. */
export interface RefusedConfigKey {
  section: string;
  key: string;
  why: string;
}

/** The first entry a user may not set under `allowList` (never-settable keys first of all), or undefined. */
export function refusedConfigKey(allowList: readonly string[], entries: readonly { section: string; key: string }[]): RefusedConfigKey | undefined {
  for (const { section, key } of entries) {
    const never = neverUserSettable(section, key);
    if (never) return { section, key, why: never };
  }
  for (const { section, key } of entries) {
    if (!listAllows(allowList, section, key)) return { section, key, why: `not on your allow-list for this server (${allowList.join(', ') || 'empty'})` };
  }
  return undefined;
}
