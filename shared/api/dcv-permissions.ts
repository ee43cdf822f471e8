/**
 * DCV permissions files, as both programs handle them: the director writes the text (a policy profile
 * plus a session's share lines), the agent checks it again, writes it to a private file and hands the
 * file's path to `dcv create-session --permissions-file` or `dcv set-permissions --file`. dcv runs as
 * root, so the text the agent accepts is exactly this grammar and nothing else:
 *
 *   [groups]
 *   [aliases]
 *   [permissions]
 *   %owner% allow builtin
 *   group:observers deny clipboard-copy file-download
 *
 * A line is `actor rule feature...`. Actors: a user name, `group:x`, `osgroup:x`, `%owner%`, `%any%`.
 * Rules: `allow`, `disallow` (a later line may override either), `deny` (final).
 */
import { isUserName } from './agent-wire.ts';

/** Every feature DCV's permissions files name. */
export const PERMISSION_FEATURES: ReadonlySet<string> = new Set([
  'audio-in',
  'audio-out',
  'builtin',
  'clipboard-copy',
  'clipboard-paste',
  'display',
  'extensions-client',
  'extensions-server',
  'file-download',
  'file-upload',
  'gamepad',
  'keyboard',
  'keyboard-sas',
  'mouse',
  'pointer',
  'printer',
  'screenshot',
  'smartcard',
  'stylus',
  'touch',
  'unsupervised-access',
  'usb',
  'webcam',
  'webauthn-redirection',
]);

const RULES: ReadonlySet<string> = new Set(['allow', 'disallow', 'deny']);

/** The most text one permissions file may hold (the agent refuses more; the director never builds more). */
export const PERMISSIONS_TEXT_MAX = 32_768;

/** The longest permissions line a policy profile may hold. */
export const PERMISSION_LINE_MAX = 256;

/** The file's fixed head: DCV wants its three sections, and dcvix writes lines into [permissions] only. */
const HEAD = ['[groups]', '[aliases]', '[permissions]'];

/** A group named after `group:` or `osgroup:`: what the policy accepts as a group name. */
const GROUP_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,127}$/;

/** Why `actor` cannot stand first on a permissions line, or undefined. */
function actorProblem(actor: string): string | undefined {
  if (actor === '%owner%' || actor === '%any%') return undefined;
  const shown = actor.slice(0, 80);
  const group = /^(?:os)?group:(.*)$/.exec(actor);
  if (group) return GROUP_NAME_RE.test(group[1] ?? '') ? undefined : `"${shown}" is not a valid group actor`;
  return isUserName(actor) ? undefined : `"${shown}" is not an actor (a user name, group:x, osgroup:x, %owner% or %any%)`;
}

/** The words of a line: split at runs of spaces and tabs, none at either end (any other character stays in its word). */
const wordsOf = (line: string) => line.replace(/^[ \t]+|[ \t]+$/g, '').split(/[ \t]+/);

/**
 * Why `line` is not a permissions line `actor rule feature...` (words apart by spaces or tabs), or
 * undefined when it is one.
 */
export function permissionLineProblem(line: string): string | undefined {
  if (line.length > PERMISSION_LINE_MAX) return `longer than ${PERMISSION_LINE_MAX} characters`;
  const [actor = '', rule = '', ...features] = wordsOf(line);
  const problem = actorProblem(actor);
  if (problem) return problem;
  if (!RULES.has(rule)) return `"${rule.slice(0, 40)}" is not a rule (allow, disallow or deny)`;
  if (features.length === 0) return 'names no feature';
  const stranger = features.find((feature) => !PERMISSION_FEATURES.has(feature));
  return stranger === undefined ? undefined : `unknown feature "${stranger.slice(0, 40)}"`;
}

/** A permissions file with these lines under [permissions]: the text dcvix writes, byte for byte. */
export function permissionsFileText(lines: readonly string[]): string {
  return `${[...HEAD, ...lines.map((line) => wordsOf(line).join(' '))].join('\n')}\n`;
}

/**
 * Why `text` is not a permissions file as dcvix writes one (the three section heads, then permissions
 * lines), or undefined. The agent asks this before it writes anything for dcv.
 */
export function permissionsTextProblem(text: string): string | undefined {
  if (text.length > PERMISSIONS_TEXT_MAX) return `longer than ${PERMISSIONS_TEXT_MAX} characters`;
  if (!text.endsWith('\n')) return 'does not end with a line break';
  const lines = text.slice(0, -1).split('\n');
  if (HEAD.some((head, index) => lines[index] !== head)) return `does not start with ${HEAD.join(', ')}`;
  for (const [index, line] of lines.slice(HEAD.length).entries()) {
    const problem = permissionLineProblem(line) ?? (wordsOf(line).join(' ') === line ? undefined : 'words not apart by single spaces');
    if (problem) return `line ${index + HEAD.length + 1}: ${problem}`;
  }
  return undefined;
}
