import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../shared/log.ts';
import { emptyPolicy, parsePolicy, PolicyError, type Policy } from './schema.ts';
import type { PolicyVersionInfo } from './version-store.ts';

export const POLICY_FILES = { users: 'users.json', pools: 'pools.json' } as const;

/** Both policy files as read from a directory: the parsed policy and the documents behind it. */
export interface LoadedPolicy {
  policy: Policy;
  documents: { users: unknown; pools: unknown };
}

/**
 * Reads and checks users.json and pools.json in `dir` (absent files are empty unless `usersRequired`).
 * Throws PolicyError (or SyntaxError) with a message starting with the file's name.
 */
export function readPolicyFiles(dir: string, usersRequired = false): LoadedPolicy {
  const users = readJson(dir, POLICY_FILES.users, usersRequired);
  const pools = readJson(dir, POLICY_FILES.pools);
  return { policy: parsePolicy(users, pools), documents: { users: users ?? {}, pools: pools ?? {} } };
}

function readJson(dir: string, file: string, required = false): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) {
    if (required) throw new PolicyError(`${file}: missing (${path})`);
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new PolicyError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
}

export interface PolicyStatus {
  loadedAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  files: string[];
  /** The stored version in force (null: not read from the store, e.g. a holder fed from files only). */
  version: PolicyVersionInfo | null;
}

/**
 * The policy in force. The director puts the store's newest version in force at start and whenever
 * it changes (versions.ts); a version that cannot be loaded keeps the last good policy and records
 * why (docs/failure-modes.md). Without a store (unit tests) it reads the files itself (reload()).
 */
export class PolicyHolder {
  private policy: Policy = emptyPolicy();
  private status: PolicyStatus;
  private raw: { users: unknown; pools: unknown } = { users: {}, pools: {} };

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.status = { loadedAt: null, lastAttemptAt: null, lastError: null, files: Object.values(POLICY_FILES).map((f) => join(dir, f)), version: null };
  }

  get current(): Policy {
    return this.policy;
  }

  get state(): PolicyStatus {
    return { ...this.status };
  }

  /** The policy documents as loaded (for the admin view). */
  get documents(): { users: unknown; pools: unknown } {
    return this.raw;
  }

  /** The number of the stored version in force, 0 when none is. */
  get versionNumber(): number {
    return this.status.version?.version ?? 0;
  }

  /** The files' directory (what `policy import` reads and SIGHUP compares with the version in force). */
  get directory(): string {
    return this.dir;
  }

  /**
   * Puts a checked policy in force: the files read at config load (start-up reads them once, before
   * writing anything), or a stored version (`version`).
   */
  adopt(loaded: LoadedPolicy, version?: PolicyVersionInfo): void {
    this.status.lastAttemptAt = new Date(this.now()).toISOString();
    this.policy = loaded.policy;
    this.raw = loaded.documents;
    this.status.loadedAt = this.status.lastAttemptAt;
    this.status.lastError = null;
    if (version) this.status.version = version;
    const where = version ? { version: version.version } : { dir: this.dir };
    this.log.info('policy loaded', { ...where, users: this.policy.users.size, groups: this.policy.groups.size, pools: this.policy.pools.size });
  }

  /** Records a failed load: the policy in force stays, the admin page shows why. */
  fail(error: string): void {
    this.status.lastAttemptAt = new Date(this.now()).toISOString();
    this.status.lastError = error;
  }

  /** Reads both files; on success swaps the policy in, on failure keeps the old one and returns the error. */
  reload(): { ok: true } | { ok: false; error: string } {
    this.status.lastAttemptAt = new Date(this.now()).toISOString();
    try {
      // Once a policy is in force, a vanished users.json is a failed reload, never "nobody may do anything".
      this.adopt(readPolicyFiles(this.dir, this.status.loadedAt !== null));
      return { ok: true };
    } catch (err) {
      const error = err instanceof PolicyError || err instanceof SyntaxError ? err.message : String(err);
      this.status.lastError = error;
      if (this.status.loadedAt) this.log.error('policy reload failed; keeping the last good policy', { dir: this.dir, error });
      else this.log.error('policy could not be loaded', { dir: this.dir, error });
      return { ok: false, error };
    }
  }
}
