import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { ServerSnapshot, ServerStateStore } from '../store/runtime-stores.ts';
import { isStoreDown } from '../store/availability.ts';
import { WriteBehind } from '../store/write-behind.ts';
import type { RuntimeState } from './runtime-state.ts';

/** A server whose only change is lastSeen is written again after this long (offline display after a restart). */
const LAST_SEEN_REFRESH_MS = 60_000;

/**
 * Write-behind of the runtime state: RuntimeState names the servers that changed, and every
 * `intervalMs` (1 s) one transaction writes those whose entry or sessions differ from what was last
 * written. Each server is written at most once per interval however often its agent reports; an
 * update that changes nothing but lastSeen is not written (lastSeen is refreshed once a minute).
 * A kill -9 loses at most the last interval, except new sessions: persistNow writes them at once.
 */
export class RuntimeStateWriter {
  private readonly dirty = new Set<string>();
  /** server id -> what was last written, without lastSeen, and when. */
  private readonly written = new Map<string, { body: string; at: number }>();
  private readonly behind: WriteBehind;
  /** Told the ids of the servers each successful write stored or removed (other directors re-read them). */
  onWritten?: (ids: string[]) => void;

  constructor(
    private readonly state: RuntimeState,
    private readonly store: ServerStateStore,
    private readonly clock: Clock,
    log: Logger,
    intervalMs = 1000,
    /** How often a server whose only change is lastSeen (and session refresh times) is written again; shorter when other directors read it. */
    private readonly lastSeenRefreshMs = LAST_SEEN_REFRESH_MS,
  ) {
    // The store away: the monitor logs the outage once, and the write is retried every interval.
    this.behind = new WriteBehind(
      () => this.write(),
      intervalMs,
      (error) => (isStoreDown(error) ? log.debug : log.error).call(log, 'runtime state write failed', { error }),
    );
  }

  /**
   * Start-up: puts the stored servers back into the state (stale), skipping those whose agent is no
   * longer registered, except the orphaned sessions a revoked agent left (they stay listed until an
   * admin closes them), then starts tracking changes. Resolves with what was loaded.
   */
  async load(isRegistered: (guid: string) => boolean): Promise<{ servers: number; sessions: number; skipped: number }> {
    let servers = 0;
    let sessions = 0;
    const skipped: string[] = [];
    for (const snap of await this.store.loadServers()) {
      if (!isRegistered(snap.server.guid)) {
        const orphans = snap.sessions.filter((s) => s.orphaned);
        if (orphans.length === 0) {
          skipped.push(snap.server.id);
          continue;
        }
        this.state.restoreOrphans(snap.server, orphans);
        this.written.set(snap.server.id, { body: bodyOf({ server: snap.server, sessions: orphans }), at: this.clock.now() });
        sessions += orphans.length;
        continue;
      }
      this.state.restore(snap.server, snap.sessions);
      this.written.set(snap.server.id, { body: bodyOf(snap), at: this.clock.now() });
      servers++;
      sessions += snap.sessions.length;
    }
    if (skipped.length) await this.store.saveServers([], skipped);
    this.state.onChange = (id) => this.dirty.add(id);
    return { servers, sessions, skipped: skipped.length };
  }

  /**
   * Servers as another director stored them (shared store): applied to the state (runtime-state.ts
   * applyShared) and remembered as written, so this director writes one back only where its own view
   * differs. `gone` ids are no longer stored: a server this director still holds is removed.
   */
  applyStored(snaps: ServerSnapshot[], gone: string[] = []): void {
    const now = this.clock.now();
    for (const snap of snaps) {
      const last = this.written.get(snap.server.id);
      const known = new Set(last ? (JSON.parse(last.body)[1] as { id: string }[]).map((s) => s.id) : []);
      this.state.applyShared(snap.server, snap.sessions, (id) => known.has(id));
      this.written.set(snap.server.id, { body: bodyOf(snap), at: now });
    }
    for (const id of gone) {
      this.written.delete(id);
      if (this.state.server(id) || this.state.orphanedServer(id)) this.state.removeServer(id);
    }
  }

  start(): void {
    this.behind.start();
  }

  /** Writes one server now and resolves once it is stored (a new session must survive a crash). */
  persistNow(serverId: string): Promise<void> {
    this.dirty.add(serverId);
    return this.flush();
  }

  /** Writes every changed server in one transaction; flushes never overlap. */
  flush(): Promise<void> {
    return this.behind.flush();
  }

  /** Graceful stop: no more timer, everything pending written. */
  stop(): Promise<void> {
    return this.behind.stop();
  }

  private async write(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    const now = this.clock.now();
    const put: ServerSnapshot[] = [];
    const removed: string[] = [];
    const bodies = new Map<string, string>();
    for (const id of ids) {
      // A revoked agent's server is kept, out of placement, while its orphaned sessions remain.
      const server = this.state.server(id) ?? this.state.orphanedServer(id);
      if (!server) {
        if (this.written.has(id)) removed.push(id);
        continue;
      }
      const snap = { server: { ...server, stale: undefined }, sessions: this.state.sessionsOn(id) };
      const body = bodyOf(snap);
      const last = this.written.get(id);
      if (last && last.body === body && now - last.at < this.lastSeenRefreshMs) continue;
      put.push(snap);
      bodies.set(id, body);
    }
    if (put.length === 0 && removed.length === 0) return;
    try {
      await this.store.saveServers(put, removed);
    } catch (err) {
      // Try again with the next flush.
      for (const id of ids) this.dirty.add(id);
      throw err;
    }
    for (const id of removed) this.written.delete(id);
    for (const [id, body] of bodies) this.written.set(id, { body, at: now });
    this.onWritten?.([...bodies.keys(), ...removed]);
  }
}

/** What counts as a change: everything but the times an update refreshes anyway. */
function bodyOf(snapshot: ServerSnapshot): string {
  const { lastSeen: _seen, stale: _stale, ...server } = snapshot.server;
  // Sorted: two directors holding the same sessions in another order must not see a change.
  const sessions = snapshot.sessions.map(({ refreshedAt: _r, ...rest }) => rest).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return JSON.stringify([server, sessions]);
}
