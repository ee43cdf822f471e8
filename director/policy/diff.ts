/** One changed place of a policy document: its path, and the value before and after (absent: undefined). */
export interface PolicyChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The places where `after` differs from `before`, by object key. Lists are compared whole and shown
 * whole when they differ: a servers list read before and after says more than index-by-index edits
 * (which is what a generic JSON diff library gives for lists). `prefix` names the document.
 */
export function policyChanges(before: unknown, after: unknown, prefix: string): PolicyChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => policyChanges(before[key], after[key], `${prefix}.${key}`));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: prefix, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) }];
}

/** What fits in an audit event's detail (its field holds 1024 characters). */
const DETAIL_MAX = 1000;

/**
 * The change between two saved versions as compact JSON for the audit event: the changed places with
 * their values; when that is too long, the changed paths only; then as many paths as fit and how many
 * more there were. (The policy holds no secrets: names, host names and settings.)
 */
export function compactPolicyDiff(before: { users: unknown; pools: unknown } | undefined, after: { users: unknown; pools: unknown }): string {
  const changes = [...policyChanges(before?.users ?? {}, after.users ?? {}, 'users.json:'), ...policyChanges(before?.pools ?? {}, after.pools ?? {}, 'pools.json:')].map((change) => ({
    ...change,
    path: change.path.replace(':.', ': '),
  }));
  const full = JSON.stringify(changes);
  if (full.length <= DETAIL_MAX) return full;
  const paths = changes.map((change) => change.path);
  for (let shown = paths.length; shown > 0; shown--) {
    const text = JSON.stringify({ changed: paths.slice(0, shown), ...(shown < paths.length ? { more: paths.length - shown } : {}) });
    if (text.length <= DETAIL_MAX) return text;
  }
  return JSON.stringify({ changed: [], more: paths.length });
}
