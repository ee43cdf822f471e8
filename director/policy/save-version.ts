import { badRequest, conflict } from '../../shared/errors.ts';
import { compactPolicyDiff } from './diff.ts';
import type { LoadedPolicy } from './holder.ts';
import { policyHash } from './hash.ts';
import { parsePolicy, PolicyError } from './schema.ts';
import type { PolicySource, PolicyVersion, PolicyVersionStore } from './version-store.ts';

/** The two policy documents, as users.json and pools.json hold them. */
export interface PolicyDocuments {
  users: unknown;
  pools: unknown;
}

/** What a save did: the version now newest, whether it is new, and the change as the audit shows it. */
export interface SavedPolicy {
  version: PolicyVersion;
  loaded: LoadedPolicy;
  changed: boolean;
  diff: string;
}

/** How many times an import (which has no version of its own to keep to) tries again after a race. */
const IMPORT_TRIES = 3;

/** Checks a stored version as the files are checked; errors name the version, the file and the key. */
export function loadVersion(version: PolicyVersion): LoadedPolicy {
  try {
    return { policy: parsePolicy(version.users, version.pools), documents: { users: version.users, pools: version.pools } };
  } catch (err) {
    if (err instanceof PolicyError) throw new PolicyError(`stored policy version ${version.version}: ${err.message}`);
    throw err;
  }
}

/**
 * Validates `documents` (whatever parsePolicy checks, so keys other features add are checked by their
 * own readers) and stores them as the next version. `after` is the version the editor started from:
 * when another save landed since, nothing is stored (409 POLICY_VERSION_CONFLICT, never a silent
 * merge). Without `after` (an import) the documents replace whatever is newest. Documents equal to the
 * newest version's store nothing (`changed: false`).
 * @throws ApiError 400 POLICY_INVALID naming the file and the key; 409 POLICY_VERSION_CONFLICT
 */
export async function saveVersion(store: PolicyVersionStore, documents: PolicyDocuments, meta: { after?: number; by: string; source: PolicySource; now: number }): Promise<SavedPolicy> {
  let policy: LoadedPolicy['policy'];
  // Both whole: a document left out is not an empty one (that would take every grant away).
  for (const [name, document] of [
    ['users.json', documents.users],
    ['pools.json', documents.pools],
  ] as const) {
    if (typeof document !== 'object' || document === null || Array.isArray(document)) throw badRequest('POLICY_INVALID', `${name} must be an object`);
  }
  try {
    policy = parsePolicy(documents.users, documents.pools);
  } catch (err) {
    if (err instanceof PolicyError) throw badRequest('POLICY_INVALID', err.message);
    throw err;
  }
  const loaded = { policy, documents: { users: documents.users, pools: documents.pools } };
  for (let tries = 0; ; tries++) {
    const newest = await store.latest();
    const newestNumber = newest?.version ?? 0;
    if (meta.after !== undefined && meta.after !== newestNumber) throw staleEdit(meta.after, newest);
    if (newest && policyHash({ users: newest.users, pools: newest.pools }) === policyHash(loaded.documents)) return { version: newest, loaded, changed: false, diff: '[]' };
    const saved = await store.append(newestNumber, { ...loaded.documents, source: meta.source, createdAt: meta.now, createdBy: meta.by });
    if (saved) return { version: saved, loaded, changed: true, diff: compactPolicyDiff(newest, saved) };
    if (meta.after !== undefined) throw staleEdit(meta.after, await store.latest());
    if (tries + 1 >= IMPORT_TRIES) throw conflict('POLICY_VERSION_CONFLICT', 'the policy kept changing while it was being imported: try again');
  }
}

function staleEdit(after: number, newest: PolicyVersion | undefined) {
  const by = newest ? ` (version ${newest.version}, saved by ${newest.createdBy} at ${new Date(newest.createdAt).toISOString()})` : '';
  return conflict('POLICY_VERSION_CONFLICT', `the policy was changed since you loaded version ${after}${by}: nothing was saved. Load the newest version and make your change again`);
}
