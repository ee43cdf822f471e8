import type { Clock } from '../../shared/clock.ts';
import { ignoredError } from '../../shared/ignored.ts';
import type { Logger } from '../../shared/log.ts';
import type { AuditLog } from '../audit/types.ts';
import type { ChangeFeed } from '../cluster/change-feed.ts';
import { policyHash } from './hash.ts';
import { readPolicyFiles, type LoadedPolicy, type PolicyHolder } from './holder.ts';
import { loadVersion, saveVersion, type PolicyDocuments } from './save-version.ts';
import { PolicyError } from './schema.ts';
import type { PolicyVersion, PolicyVersionInfo, PolicyVersionStore } from './version-store.ts';

/** Change-feed topic of a new policy version (the key is its number). */
export const POLICY_TOPIC = 'policy';

/**
 * How often a director asks the store for the newest version's number: the change feed tells other
 * directors on PostgreSQL at once; this catches a missed notice, and `policy import` into the embedded
 * store of a running director (which hears no feed).
 */
const POLL_MS = 5000;

export interface PolicyVersionsOptions {
  store: PolicyVersionStore;
  holder: PolicyHolder;
  audit: AuditLog;
  feed: ChangeFeed;
  log: Logger;
  clock: Clock;
}

/** What a reload from the store did. */
export type ReloadOutcome = { ok: true; version: number; changed: boolean } | { ok: false; error: string };

const info = ({ version, source, createdAt, createdBy }: PolicyVersion): PolicyVersionInfo => ({ version, source, createdAt, createdBy });

/**
 * The policy in the store, versioned: the newest version is in force on every director. Start-up puts
 * it in force (the policy files seed an empty store); an admin's save stores a new version (a save
 * from an older version is refused, never merged), puts it in force, audits it with a diff and tells
 * the other directors, who reload it. The policy files seed an empty store; after that they count
 * when an operator signals: on SIGHUP, files that differ from the newest version taken from them are
 * stored as a new version (so editing the files and reloading works as it always did), while files
 * as they were leave the store's newest version in force, whatever was edited in the browser since.
 */
export class PolicyVersions {
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Loads and saves one at a time, so an older version never replaces a newer one in force. */
  private queue: Promise<unknown> = Promise.resolve();
  /** A stored version that could not be loaded: reported once, tried again only on SIGHUP or a newer one. */
  private failedVersion = 0;

  constructor(private readonly d: PolicyVersionsOptions) {
    d.feed.subscribe(POLICY_TOPIC, () => void this.reload().catch((error: unknown) => this.storeAway(error)));
  }

  /**
   * Start-up: puts the newest stored version in force. An empty store is first seeded with `files`
   * (of several directors starting together on one store, one seeds; the others load its version).
   * @throws PolicyError when the newest version does not load (start-up stops, naming the version, file and key)
   */
  async open(files: LoadedPolicy): Promise<void> {
    let newest = await this.d.store.latest();
    if (!newest) {
      const seeded = await this.d.store.append(0, { ...files.documents, source: 'files', createdAt: this.d.clock.now(), createdBy: 'start-up' });
      if (seeded) {
        const detail = `seeded from ${this.d.holder.state.files.join(', ')}`;
        this.d.audit.record({ type: 'policy.import', actor: 'start-up', target: `version ${seeded.version}`, outcome: 'success', detail });
        this.d.log.info('policy store seeded from the policy files', { version: seeded.version, dir: this.d.holder.directory });
      }
      newest = seeded ?? (await this.d.store.latest());
    }
    if (!newest) throw new PolicyError('the policy store holds no version after seeding it');
    try {
      this.d.holder.adopt(loadVersion(newest), info(newest));
    } catch (err) {
      if (err instanceof PolicyError) throw new PolicyError(`${err.message} (correct it with dcvix-director policy import)`);
      throw err;
    }
  }

  /**
   * Reads the store and puts its newest version in force when it is not the one in force (`force`:
   * re-reads and re-checks even so, as SIGHUP does). A version that does not load keeps the policy in
   * force and is recorded as the last error.
   */
  reload(force = false): Promise<ReloadOutcome> {
    return this.serially(async () => {
      const inForce = this.d.holder.versionNumber;
      const newestNumber = await this.d.store.latestNumber();
      if (!force && (newestNumber === inForce || newestNumber === this.failedVersion)) return { ok: true, version: inForce, changed: false };
      const newest = await this.d.store.latest();
      if (!newest) return { ok: true, version: inForce, changed: false };
      try {
        this.d.holder.adopt(loadVersion(newest), info(newest));
        this.failedVersion = 0;
        return { ok: true, version: newest.version, changed: newest.version !== inForce };
      } catch (err) {
        if (!(err instanceof PolicyError)) throw err;
        this.failedVersion = newest.version;
        this.d.holder.fail(err.message);
        this.d.log.error('stored policy version could not be loaded; keeping the policy in force', { version: newest.version, inForce, error: err.message });
        return { ok: false, error: err.message };
      }
    });
  }

  /**
   * An admin's edit: validated, stored as the version after `after` (refused when that is no longer the
   * newest), put in force here, audited (`policy.update`, with a diff of the changed keys) and announced.
   * @throws ApiError 400 POLICY_INVALID, 409 POLICY_VERSION_CONFLICT
   */
  save(documents: PolicyDocuments, after: number, actor: string): Promise<{ version: PolicyVersionInfo; changed: boolean }> {
    return this.serially(async () => {
      let saved: Awaited<ReturnType<typeof saveVersion>>;
      try {
        saved = await saveVersion(this.d.store, documents, { after, by: actor, source: 'edit', now: this.d.clock.now() });
      } catch (err) {
        const message = (err as Error).message;
        this.d.audit.record({ type: 'policy.update', actor, target: `version ${after + 1}`, outcome: 'failure', detail: message });
        throw err;
      }
      if (!saved.changed) return { version: info(saved.version), changed: false };
      this.d.holder.adopt(saved.loaded, info(saved.version));
      this.failedVersion = 0;
      this.d.audit.record({ type: 'policy.update', actor, target: `version ${saved.version.version}`, outcome: 'success', detail: saved.diff });
      this.d.feed.publish(POLICY_TOPIC, String(saved.version.version));
      return { version: info(saved.version), changed: true };
    });
  }

  /** The newest versions, newest first, without their documents. */
  history(limit = 20): Promise<PolicyVersionInfo[]> {
    return this.d.store.history(limit);
  }

  /**
   * SIGHUP. Policy files that differ from the newest version taken from them are stored as a new
   * version (`policy.import` by SIGHUP, with a diff) and put in force, as an operator who edits the files
   * and signals expects; files as they were leave the store's newest version in force, re-read (an edit
   * made in the browser is not undone by a signal, nor by a reload for a new server certificate). Files
   * that cannot be read or do not validate are a failed reload: the policy in force stays, the error is shown.
   */
  signal(): Promise<ReloadOutcome & { imported?: boolean }> {
    let files: LoadedPolicy;
    try {
      files = readPolicyFiles(this.d.holder.directory, true);
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      this.d.holder.fail(err.message);
      this.d.log.error('policy reload failed; keeping the last good policy', { dir: this.d.holder.directory, error: err.message });
      return Promise.resolve({ ok: false, error: err.message });
    }
    return this.serially(async (): Promise<{ inForce: true } | (ReloadOutcome & { imported: boolean })> => {
      if (!(await this.filesChanged(files))) return { inForce: true };
      const saved = await this.storeFiles(files, 'SIGHUP');
      return { ok: true, version: saved.version.version, changed: saved.changed, imported: saved.changed };
    }).then((outcome) => ('inForce' in outcome ? this.reload(true) : outcome));
  }

  /** Whether the policy files differ from the newest version taken from them (none yet: they do). */
  private async filesChanged(files: LoadedPolicy): Promise<boolean> {
    const last = await this.d.store.latestFromFiles();
    return !last || policyHash({ users: last.users, pools: last.pools }) !== policyHash(files.documents);
  }

  /** Stores the policy files as the newest version and puts it in force, audited (`policy.import` by `by`) and announced. */
  private async storeFiles(files: LoadedPolicy, by: 'SIGHUP') {
    const saved = await saveVersion(this.d.store, files.documents, { by, source: 'files', now: this.d.clock.now() });
    this.d.holder.adopt(saved.loaded, info(saved.version));
    this.failedVersion = 0;
    if (saved.changed) {
      this.d.audit.record({ type: 'policy.import', actor: by, target: `version ${saved.version.version}`, outcome: 'success', detail: saved.diff });
      this.d.feed.publish(POLICY_TOPIC, String(saved.version.version));
      this.d.log.info('changed policy files stored as a new version', { version: saved.version.version, by, dir: this.d.holder.directory });
    }
    return saved;
  }

  /** Asks the store for a newer version every few seconds (a missed notice, an import on the embedded store). */
  start(): void {
    this.timer = setInterval(() => void this.reload().catch((error: unknown) => this.storeAway(error)), POLL_MS);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private storeAway(error: unknown): void {
    ignoredError(this.d.log, 'policy.reload', 'policy versions not read from the store; the next poll tries again', error);
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
