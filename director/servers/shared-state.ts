import type { Logger } from '../../shared/log.ts';
import { publishKeys, type ChangeFeed } from '../cluster/change-feed.ts';
import type { ServerSnapshot, ServerStateStore } from '../store/runtime-stores.ts';
import type { RuntimeStateWriter } from './state-writer.ts';

/** Change-feed topic: the key is a JSON array of server ids just written (or "*": re-read everything). */
const SERVERS_TOPIC = 'servers';

/**
 * Runtime state shared by several directors on one store. Each director writes behind the updates its
 * agents send (state-writer.ts: batched, at most once a second per server) and, after each commit,
 * names the servers it wrote on the change feed (LISTEN/NOTIFY); every other director then reads those
 * rows and applies them. A change is thus seen everywhere within the write interval plus one read
 * (about a second). Notices that arrive while a read runs are gathered into the next read.
 */
export class SharedStateFollower {
  private pending = new Set<string>();
  private everything = false;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly writer: RuntimeStateWriter,
    private readonly store: ServerStateStore,
    private readonly feed: ChangeFeed,
    private readonly log: Logger,
  ) {}

  /** Starts publishing this director's writes and applying the others'. */
  start(): void {
    this.writer.onWritten = (ids) => publishKeys(this.feed, SERVERS_TOPIC, ids);
    this.feed.subscribe(SERVERS_TOPIC, (key) => this.heard(key));
  }

  /**
   * Placement, under the user's lock: re-reads the servers holding the user's sessions in the store
   * and those this director believes hold them, so a session just created through another director
   * is seen before deciding to create one.
   */
  async refreshOwner(owner: string, localServerIds: string[]): Promise<void> {
    const [theirs, ours] = await Promise.all([this.store.serversWithSessionsOf(owner), localServerIds.length ? this.store.loadServers(localServerIds) : []]);
    const byId = new Map<string, ServerSnapshot>();
    for (const snap of [...theirs, ...ours]) byId.set(snap.server.id, snap);
    this.writer.applyStored([...byId.values()]);
  }

  /** Resolves once the notices heard so far are applied (tests, and a clean stop). */
  async settled(): Promise<void> {
    while (this.reading) await this.reading;
  }

  private heard(key: string): void {
    if (key === '*') this.everything = true;
    else {
      try {
        for (const id of JSON.parse(key) as unknown[]) if (typeof id === 'string') this.pending.add(id);
      } catch {
        return;
      }
    }
    this.reading ??= this.readAll().finally(() => (this.reading = undefined));
  }

  private async readAll(): Promise<void> {
    while (this.everything || this.pending.size > 0) {
      const everything = this.everything;
      const ids = [...this.pending];
      this.everything = false;
      this.pending = new Set();
      try {
        const snaps = await this.store.loadServers(everything ? undefined : ids);
        // Named but no longer stored: the other director removed it. A full re-read removes nothing
        // (a server this director just heard from may not be written yet).
        const found = new Set(snaps.map((s) => s.server.id));
        this.writer.applyStored(snaps, everything ? [] : ids.filter((id) => !found.has(id)));
      } catch (error) {
        // The store is away: the monitor's resync ("*") re-reads everything once it is back.
        this.log.warn('shared runtime state not read', { servers: everything ? 'all' : ids.length, error });
        return;
      }
    }
  }
}
