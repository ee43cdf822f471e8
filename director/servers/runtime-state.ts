import type { Clock } from '../../shared/clock.ts';
import { serverHealth, type HealthRules, type ServerHealth } from './health.ts';
import { isLive, type ServerChange, type ServerEntry, type ServerSeen, type ServerSnapshot, type SessionEntry } from './records.ts';

export type { ServerEntry, SessionEntry } from './records.ts';

/** What applying a change did: taken, already known (an older or equal revision), or a revision missed in between. */
export type ApplyResult = 'applied' | 'old' | 'gap';

/**
 * This director's memory of the fleet: a mirror of the server and session rows in the store, served
 * from memory where latency matters (the verifier, server lists, placement's candidates). It changes
 * only by applying what the store holds: the change a write of this director made (`apply`), a
 * server's picture re-read after another director wrote it (`applySnapshot`), and last contact and
 * figures (`applySeen`, never moving backwards). Revisions order the pictures, so applying an older
 * one after a newer one changes nothing. Only live sessions (starting, running) are held, indexed by
 * server and by owner, so an update or a user's list costs what it touches, not the fleet's size.
 */
export class RuntimeState {
  /** Servers placement and lists see (state active). */
  private readonly servers = new Map<string, ServerEntry>();
  /** Revoked agents' servers kept for their orphaned sessions: stored, listed to admins, never placed. */
  private readonly orphanedServers = new Map<string, ServerEntry>();
  /** The revision held for every server id ever applied (removed ones too, so an old picture stays out). */
  private readonly revisions = new Map<string, number>();
  private readonly serverIdByGuid = new Map<string, string>();
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly sessionsByServer = new Map<string, Map<string, SessionEntry>>();
  private readonly sessionsByOwner = new Map<string, Map<string, SessionEntry>>();
  /** Ids of the active servers in order, made when first asked after a server came or went (not on every update). */
  private sortedIds: string[] | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly healthRules: HealthRules = { agentRequestTimeoutMs: 30_000 },
    /** When this director started: a server not heard from since is stale (its silence before says nothing). */
    private readonly startedAt = clock.now(),
  ) {}

  /** A write of this director: taken when it follows the revision held, else 'old' or 'gap' (re-read the server). */
  apply(change: ServerChange): ApplyResult {
    const held = this.revisions.get(change.server.id);
    if (held !== undefined && change.server.revision <= held) return 'old';
    if ((held ?? 0) !== change.server.revision - 1) return 'gap';
    this.putServer(change.server);
    for (const id of change.gone) this.removeSession(id);
    for (const session of change.put) if (session.serverId === change.server.id) this.putSession(session);
    return 'applied';
  }

  /** A server's whole picture as the store holds it: replaces what is held when newer. */
  applySnapshot(snapshot: ServerSnapshot): boolean {
    const held = this.revisions.get(snapshot.server.id);
    if (held !== undefined && snapshot.server.revision <= held) {
      this.applySeen(snapshot.server);
      return false;
    }
    this.putServer(snapshot.server);
    const listed = new Set(snapshot.sessions.map((session) => session.id));
    for (const id of [...(this.sessionsByServer.get(snapshot.server.id)?.keys() ?? [])]) if (!listed.has(id)) this.removeSession(id);
    for (const session of snapshot.sessions) this.putSession(session);
    return true;
  }

  /** Last contact and figures, from any director's update: taken unless older than what is held (as the store does). */
  applySeen(seen: ServerSeen): void {
    seenInto(this.servers, seen);
    seenInto(this.orphanedServers, seen);
  }

  /** Live figures of sessions (connections, status, last disconnection), written without a new revision. */
  applyFigures(sessions: readonly SessionEntry[]): void {
    for (const figures of sessions) {
      const held = this.sessions.get(figures.id);
      if (!held || held.serverId !== figures.serverId) continue;
      this.putSession({ ...held, numOfConnections: figures.numOfConnections, status: figures.status, lastDisconnectionTime: figures.lastDisconnectionTime });
    }
  }

  /** Forgets a server the store no longer holds at all (its removed row was purged). */
  forgetServer(id: string): void {
    const server = this.servers.get(id) ?? this.orphanedServers.get(id);
    if (server) this.putServer({ ...server, state: 'removed' });
    this.revisions.delete(id);
  }

  /** Ids of every server held: active and orphaned. */
  heldServerIds(): string[] {
    return [...this.servers.keys(), ...this.orphanedServers.keys()];
  }

  /** The revision held for a server (0: never seen). */
  revisionOf(id: string): number {
    return this.revisions.get(id) ?? 0;
  }

  server(id: string): ServerEntry | undefined {
    return this.servers.get(id);
  }

  /** The last entry of a revoked agent's server that still holds orphaned sessions (never placed). */
  orphanedServer(id: string): ServerEntry | undefined {
    return this.orphanedServers.get(id);
  }

  serverByGuid(guid: string): ServerEntry | undefined {
    const id = this.serverIdByGuid.get(guid);
    return id === undefined ? undefined : (this.servers.get(id) ?? this.orphanedServers.get(id));
  }

  allServers(): IterableIterator<ServerEntry> {
    return this.servers.values();
  }

  serverIds(): IterableIterator<string> {
    return this.servers.keys();
  }

  /** Ids of the active servers, sorted as plain strings (host names are ASCII). Do not change the array. */
  sortedServerIds(): readonly string[] {
    this.sortedIds ??= [...this.servers.keys()].sort();
    return this.sortedIds;
  }

  now(): number {
    return this.clock.now();
  }

  /** Not heard from since this director started: good for reconnects, not for new sessions yet. */
  isStale(server: ServerEntry): boolean {
    return server.lastSeen < this.startedAt;
  }

  isOnline(server: ServerEntry, offlineAfterMs: number): boolean {
    return this.clock.now() <= this.onlineUntil(server, offlineAfterMs);
  }

  /** The last moment the server counts as online without another update (a stale one counts from this director's start). */
  onlineUntil(server: ServerEntry, offlineAfterMs: number): number {
    return (this.isStale(server) ? Math.max(server.lastSeen, this.startedAt) : server.lastSeen) + offlineAfterMs;
  }

  /** The server's health now (see health.ts). */
  health(server: ServerEntry): ServerHealth {
    return serverHealth(server, this.clock.now(), this.healthRules);
  }

  session(id: string): SessionEntry | undefined {
    return this.sessions.get(id);
  }

  allSessions(): IterableIterator<SessionEntry> {
    return this.sessions.values();
  }

  sessionsOn(serverId: string): SessionEntry[] {
    return [...(this.sessionsByServer.get(serverId)?.values() ?? [])];
  }

  /** How many live sessions a server holds (without listing them). */
  sessionCountOn(serverId: string): number {
    return this.sessionsByServer.get(serverId)?.size ?? 0;
  }

  sessionsOf(owner: string): SessionEntry[] {
    return [...(this.sessionsByOwner.get(owner)?.values() ?? [])];
  }

  counts(): { servers: number; sessions: number } {
    return { servers: this.servers.size, sessions: this.sessions.size };
  }

  private putServer(server: ServerEntry): void {
    const wasActive = this.servers.has(server.id);
    this.placeServer(server);
    if (this.servers.has(server.id) !== wasActive) this.sortedIds = undefined;
  }

  private placeServer(server: ServerEntry): void {
    this.revisions.set(server.id, server.revision);
    const prior = this.servers.get(server.id) ?? this.orphanedServers.get(server.id);
    this.servers.delete(server.id);
    this.orphanedServers.delete(server.id);
    if (prior && this.serverIdByGuid.get(prior.guid) === server.id) this.serverIdByGuid.delete(prior.guid);
    // Last contact refreshed in memory may be newer than the row: keep the newer.
    const held = prior && prior.lastSeen > server.lastSeen ? { ...server, lastSeen: prior.lastSeen, stats: prior.stats, gpus: prior.gpus } : server;
    if (server.state === 'removed') {
      for (const id of [...(this.sessionsByServer.get(server.id)?.keys() ?? [])]) this.removeSession(id);
      return;
    }
    (server.state === 'active' ? this.servers : this.orphanedServers).set(server.id, held);
    this.serverIdByGuid.set(server.guid, server.id);
  }

  private putSession(entry: SessionEntry): void {
    if (!isLive(entry)) {
      this.removeSession(entry.id);
      return;
    }
    const prior = this.sessions.get(entry.id);
    // A session id moving host or owner leaves its old index entries.
    if (prior && (prior.serverId !== entry.serverId || prior.owner !== entry.owner)) this.removeSession(entry.id);
    this.sessions.set(entry.id, entry);
    indexSet(this.sessionsByServer, entry.serverId, entry);
    indexSet(this.sessionsByOwner, entry.owner, entry);
  }

  private removeSession(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    indexDelete(this.sessionsByServer, session.serverId, id);
    indexDelete(this.sessionsByOwner, session.owner, id);
  }
}

function seenInto(servers: Map<string, ServerEntry>, seen: ServerSeen): void {
  const server = servers.get(seen.id);
  if (server && seen.lastSeen >= server.lastSeen) servers.set(seen.id, { ...server, lastSeen: seen.lastSeen, stats: seen.stats ?? server.stats, gpus: seen.gpus });
}

function indexSet(index: Map<string, Map<string, SessionEntry>>, key: string, entry: SessionEntry): void {
  let bucket = index.get(key);
  if (!bucket) {
    bucket = new Map<string, SessionEntry>();
    index.set(key, bucket);
  }
  bucket.set(entry.id, entry);
}

function indexDelete(index: Map<string, Map<string, SessionEntry>>, key: string, id: string): void {
  const bucket = index.get(key);
  if (!bucket) return;
  bucket.delete(id);
  if (bucket.size === 0) index.delete(key);
}
