import { ignoredError } from '../../shared/ignored.ts';
import type { Logger } from '../../shared/log.ts';
import type { FleetStore } from './fleet-store.ts';
import type { RuntimeState } from './runtime-state.ts';

/**
 * Keeps this director's memory up with rows other directors wrote: server ids named on the change
 * feed are re-read (their row and live sessions in one statement) and applied when newer than what is
 * held; ids named for last contact re-read the same picture, and take its figures (last contact, stats,
 * sessions' connections and status) when it is not newer. Notices arriving while a read runs are gathered
 * into the next read. "*" (the feed was interrupted, e.g. the store was away) re-reads everything.
 */
export class FleetFollower {
  private rows = new Set<string>();
  private seen = new Set<string>();
  private everything = false;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly store: FleetStore,
    private readonly state: RuntimeState,
    private readonly log: Logger,
  ) {}

  /** A notice from the feed: a JSON array of server ids, or "*". */
  heard(key: string, kind: 'rows' | 'seen'): void {
    if (key === '*') this.everything = true;
    else {
      let ids: unknown;
      try {
        ids = JSON.parse(key);
      } catch (error) {
        ignoredError(this.log, 'fleet.notice', `a ${kind} notice that is not a JSON list: ${key.slice(0, 80)}`, error, 'warn');
        return;
      }
      for (const id of Array.isArray(ids) ? ids : []) if (typeof id === 'string') (kind === 'rows' ? this.rows : this.seen).add(id);
    }
    this.kick();
  }

  /** Re-reads these servers soon (a write of this director skipped a revision, or a session was found in the store). */
  reload(ids: string[]): void {
    for (const id of ids) this.rows.add(id);
    this.kick();
  }

  /** Reads every stored server (start-up, and after the feed was interrupted). */
  async reloadAll(): Promise<void> {
    const snapshots = await this.store.loadAll();
    const stored = new Set(snapshots.map((snapshot) => snapshot.server.id));
    for (const snapshot of snapshots) this.state.applySnapshot(snapshot);
    // Held here but not stored as present any more: read their rows (removed), or forget them (purged).
    const gone = this.state.heldServerIds().filter((id) => !stored.has(id));
    const found = await this.store.loadSnapshots(gone);
    for (const snapshot of found) this.state.applySnapshot(snapshot);
    for (const id of gone) if (!found.some((snapshot) => snapshot.server.id === id)) this.state.forgetServer(id);
  }

  async settled(): Promise<void> {
    while (this.reading) await this.reading;
  }

  private kick(): void {
    this.reading ??= this.readAll().finally(() => (this.reading = undefined));
  }

  private async readAll(): Promise<void> {
    while (this.everything || this.rows.size || this.seen.size) {
      const everything = this.everything;
      const rows = [...this.rows];
      const seen = [...this.seen].filter((id) => !this.rows.has(id));
      this.everything = false;
      this.rows = new Set();
      this.seen = new Set();
      try {
        if (everything) await this.reloadAll();
        else {
          for (const snapshot of await this.store.loadSnapshots(rows)) this.state.applySnapshot(snapshot);
          // Last contact and figures: a picture newer than held replaces it; otherwise only its figures are taken.
          for (const snapshot of await this.store.loadSnapshots(seen)) {
            if (!this.state.applySnapshot(snapshot)) this.state.applyFigures(snapshot.sessions);
          }
        }
      } catch (error) {
        // The store is away: its monitor's resync ("*") re-reads everything once it is back.
        this.log.warn('fleet rows of other directors not read', { servers: everything ? 'all' : rows.length + seen.length, error });
        return;
      }
    }
  }
}
