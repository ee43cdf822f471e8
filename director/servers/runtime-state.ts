import type { AgentStats, DcvSession } from '../../shared/api/agent-wire.ts';
import type { Clock } from '../../shared/clock.ts';
import { conflict } from '../../shared/errors.ts';
import { clearedByHealthyUpdate, serverHealth, type HealthFacts, type HealthReason, type HealthRules, type ServerHealth } from './health.ts';

/** A DCV host as the director knows it from its agent's updates. */
export interface ServerEntry extends HealthFacts {
  /** Server id = the host name the agent reports (policy files name servers by it). */
  id: string;
  guid: string;
  address: string;
  agentPort: number;
  stats: AgentStats | null;
  tags: string[];
  version: string | null;
  lastSeen: number;
  // Health facts (HealthFacts): dcvError (the agent's last dcv failure, null when dcv works),
  // dcvTimeoutMs (as the agent reports it), placementFailure (a failed create), healthSince.
  /** Loaded from the store after a director restart and not updated by its agent since. */
  stale?: boolean;
}

/** A session the director knows: reported by an agent or just created through the director. */
export interface SessionEntry extends DcvSession {
  serverId: string;
  /** Last time an agent update (or the create call) confirmed it. */
  refreshedAt: number;
  /** Pool it was placed through, if any. */
  pool?: string;
  /** False until an agent update lists it: an update that raced the create must not drop it. */
  confirmed: boolean;
  /** Created through the director (not only reported by an agent): trusted whatever the policy says. */
  createdByDirector?: boolean;
  /** Its agent was revoked: kept visible to admins (not hidden) until an admin closes it. */
  orphaned?: boolean;
}

/**
 * Runtime state, served from memory: servers from agent updates and the sessions on them. Unlike the
 * specification (in memory only), it is also written behind to the store (servers/state-writer.ts)
 * and loaded at start-up, marked stale until each agent's next update; `onChange` names what changed.
 * Indexed by GUID, by server and by owner, so an update or a user's server list costs what it touches,
 * not the size of the fleet.
 */
export class RuntimeState {
  private readonly servers = new Map<string, ServerEntry>();
  private readonly serverIdByGuid = new Map<string, string>();
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly sessionsByServer = new Map<string, Map<string, SessionEntry>>();
  private readonly sessionsByOwner = new Map<string, Map<string, SessionEntry>>();
  /** Last entry of each revoked agent's server while orphaned sessions remain on it: stored, never placed. */
  private readonly orphanedServers = new Map<string, ServerEntry>();

  /** When state was loaded from the store; a stale server's silence before this says nothing. */
  private restoredAt = 0;
  /** Called with the id of every server whose entry or sessions changed (write-behind). */
  onChange?: (serverId: string) => void;

  constructor(
    private readonly clock: Clock,
    private readonly healthRules: HealthRules = { agentRequestTimeoutMs: 30_000 },
  ) {}

  /** Start-up: puts back a server and its sessions from the store, stale until its agent updates. */
  restore(server: ServerEntry, sessions: SessionEntry[]): void {
    const now = this.clock.now();
    this.restoredAt = now;
    if (this.serverIdByGuid.has(server.guid) || this.servers.has(server.id)) return;
    this.servers.set(server.id, { ...server, stale: true });
    this.serverIdByGuid.set(server.guid, server.id);
    // The session housekeeper counts from now: the director's downtime is not the agent's silence.
    for (const session of sessions) if (session.serverId === server.id) this.putSession({ ...session, refreshedAt: Math.max(session.refreshedAt, now) });
  }

  /**
   * Start-up: puts back the orphaned sessions of a revoked agent's server. The server stays out of
   * placement and of the server lists; it is kept only so the orphans survive further restarts.
   */
  restoreOrphans(server: ServerEntry, sessions: SessionEntry[]): void {
    if (this.servers.has(server.id) || this.orphanedServers.has(server.id)) return;
    this.orphanedServers.set(server.id, server);
    for (const session of sessions) if (session.serverId === server.id && session.orphaned) this.putSession(session);
  }

  /**
   * Several directors on one store: a server as another director wrote it. Its entry replaces ours
   * unless ours is newer (a later agent update reached this director). Sessions: confirmed ones follow
   * the newer side; an unconfirmed one (just created, no agent update lists it yet) that only one side
   * has is kept, unless `known(id)` says it was in the stored state this director saw last, in which
   * case it was closed meanwhile and must not come back.
   */
  applyShared(server: ServerEntry, sessions: SessionEntry[], known: (sessionId: string) => boolean): void {
    const local = this.servers.get(server.id);
    // A revoked agent's server, stored for its orphaned sessions (orphanAgent marks them all): kept
    // here the same way, out of placement.
    if (sessions.length > 0 && sessions.every((s) => s.orphaned)) {
      if (local?.guid === server.guid) {
        this.servers.delete(server.id);
        this.serverIdByGuid.delete(server.guid);
      }
      const listed = new Set(sessions.map((s) => s.id));
      for (const id of [...(this.sessionsByServer.get(server.id)?.keys() ?? [])]) if (!listed.has(id)) this.removeSession(id);
      this.orphanedServers.set(server.id, server);
      for (const session of sessions) this.putSession({ ...session, serverId: server.id });
      return;
    }
    const theirsNewer = !local || local.stale || local.guid !== server.guid || server.lastSeen >= local.lastSeen;
    if (theirsNewer) {
      if (local && local.guid !== server.guid) this.removeServer(server.id);
      const previousId = this.serverIdByGuid.get(server.guid);
      if (previousId !== undefined && previousId !== server.id) this.removeServer(previousId);
      const { stale: _stale, ...fresh } = server;
      this.servers.set(server.id, fresh);
      this.serverIdByGuid.set(server.guid, server.id);
      this.onChange?.(server.id);
      const listed = new Set(sessions.map((s) => s.id));
      for (const [id, session] of this.sessionsByServer.get(server.id) ?? []) if (!listed.has(id) && (session.confirmed || known(id))) this.removeSession(id);
    }
    for (const session of sessions) {
      if (theirsNewer || (!session.confirmed && !this.sessions.has(session.id) && !known(session.id))) this.putSession({ ...session, serverId: server.id });
    }
  }

  /** Applies one agent update: server facts, and its session list replaces what the server had. */
  applyUpdate(report: {
    guid: string;
    hostname: string;
    address: string;
    agentPort: number;
    stats: AgentStats;
    tags: string[];
    version?: string;
    dcvError?: string;
    dcvTimeoutMs?: number;
    sessions: DcvSession[];
  }): void {
    const now = this.clock.now();
    const holder = this.servers.get(report.hostname);
    if (holder && holder.guid !== report.guid) throw conflict('HOSTNAME_TAKEN', `host name ${report.hostname} is held by another agent`);
    // The same GUID may come back under a new host name: drop the old entry.
    const previousId = this.serverIdByGuid.get(report.guid);
    if (previousId !== undefined && previousId !== report.hostname) this.removeServer(previousId);
    const dcvError = report.dcvError ?? null;
    // A remembered create failure ends when this update shows dcv answering, if it can show that.
    const failure = holder?.placementFailure ?? null;
    const keptFailure = failure && !(dcvError === null && clearedByHealthyUpdate(failure)) && now < failure.until ? failure : null;
    const entry: ServerEntry = {
      id: report.hostname,
      guid: report.guid,
      address: report.address,
      agentPort: report.agentPort,
      stats: report.stats,
      tags: report.tags,
      version: report.version ?? null,
      lastSeen: now,
      dcvError,
      dcvTimeoutMs: report.dcvTimeoutMs ?? null,
      placementFailure: keptFailure,
      healthSince: now,
    };
    this.keepHealthSince(holder, entry);
    // A new agent under the host name of a revoked one: from now on its updates say what runs there.
    this.orphanedServers.delete(report.hostname);
    this.servers.set(report.hostname, entry);
    this.serverIdByGuid.set(report.guid, report.hostname);
    this.onChange?.(report.hostname);
    const reported = new Set<string>();
    for (const wire of report.sessions) {
      reported.add(wire.id);
      const prior = this.sessions.get(wire.id);
      this.putSession({
        ...wire,
        serverId: report.hostname,
        refreshedAt: now,
        confirmed: true,
        ...(prior?.pool ? { pool: prior.pool } : {}),
        ...(prior?.createdByDirector ? { createdByDirector: true } : {}),
      });
    }
    // A confirmed session the agent no longer lists is gone (closed on the host or reaped). One the
    // director just created may be missing from an update the agent built before the create.
    for (const [id, session] of this.sessionsByServer.get(report.hostname) ?? []) {
      if (session.confirmed && !reported.has(id)) this.removeSession(id);
    }
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
    return id === undefined ? undefined : this.servers.get(id);
  }

  allServers(): IterableIterator<ServerEntry> {
    return this.servers.values();
  }

  serverIds(): IterableIterator<string> {
    return this.servers.keys();
  }

  isOnline(server: ServerEntry, offlineAfterMs: number): boolean {
    const seen = server.stale ? Math.max(server.lastSeen, this.restoredAt) : server.lastSeen;
    return this.clock.now() - seen <= offlineAfterMs;
  }

  /** The server's health now (see health.ts). */
  health(server: ServerEntry): ServerHealth {
    return serverHealth(server, this.clock.now(), this.healthRules);
  }

  /** A create failed on this server for a host-side reason: placement skips it until `until`. */
  markFailed(id: string, reason: HealthReason, message: string, until: number): void {
    const server = this.servers.get(id);
    if (!server) return;
    const next = { ...server, placementFailure: { reason, message: message.slice(0, 500), at: this.clock.now(), until } };
    this.keepHealthSince(server, next);
    this.servers.set(id, next);
    this.onChange?.(id);
  }

  /** A create succeeded on this server: whatever failed there before is over. */
  markSucceeded(id: string): void {
    const server = this.servers.get(id);
    if (!server?.placementFailure) return;
    const next = { ...server, placementFailure: null };
    this.keepHealthSince(server, next);
    this.servers.set(id, next);
    this.onChange?.(id);
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

  sessionsOf(owner: string): SessionEntry[] {
    return [...(this.sessionsByOwner.get(owner)?.values() ?? [])];
  }

  /** Records a session the director just created, before the agent's next update confirms it. */
  addSession(added: Omit<SessionEntry, 'refreshedAt' | 'confirmed'>): SessionEntry {
    const entry = { ...added, refreshedAt: this.clock.now(), confirmed: false };
    this.putSession(entry);
    return entry;
  }

  removeSession(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.indexDelete(this.sessionsByServer, session.serverId, id);
    this.indexDelete(this.sessionsByOwner, session.owner, id);
    // The last orphan closed: nothing of the revoked server is left to keep.
    if (!this.sessionsByServer.has(session.serverId)) this.orphanedServers.delete(session.serverId);
    this.onChange?.(session.serverId);
  }

  /** Forgets the server of an agent (revoked): no placement on it, its sessions gone from view. */
  removeAgent(guid: string): void {
    const server = this.serverByGuid(guid);
    if (server) this.removeServer(server.id);
  }

  /**
   * A revoked agent with live sessions: its server leaves placement, its sessions stay, marked orphaned
   * (the director can no longer ask that host anything). Returns how many.
   */
  orphanAgent(guid: string): number {
    const server = this.serverByGuid(guid);
    if (!server) return 0;
    this.servers.delete(server.id);
    this.serverIdByGuid.delete(guid);
    const sessions = this.sessionsOn(server.id);
    for (const session of sessions) session.orphaned = true;
    // The store keeps the server's last entry with its orphans, so they survive a restart (see restoreOrphans).
    if (sessions.length) this.orphanedServers.set(server.id, server);
    this.onChange?.(server.id);
    return sessions.length;
  }

  removeServer(id: string): void {
    const server = this.servers.get(id);
    if (server) this.serverIdByGuid.delete(server.guid);
    this.servers.delete(id);
    this.onChange?.(id);
    for (const sid of [...(this.sessionsByServer.get(id)?.keys() ?? [])]) this.removeSession(sid);
  }

  /** Housekeeping: drops sessions no update confirmed within `staleAfterMs`; returns their ids. */
  dropStaleSessions(staleAfterMs: number): string[] {
    const cutoff = this.clock.now() - staleAfterMs;
    const dropped: string[] = [];
    for (const [id, session] of this.sessions) if (session.refreshedAt < cutoff && !session.orphaned) dropped.push(id);
    for (const id of dropped) this.removeSession(id);
    return dropped;
  }

  counts(): { servers: number; sessions: number } {
    return { servers: this.servers.size, sessions: this.sessions.size };
  }

  /** `healthSince` moves only when the status or reason changes. */
  private keepHealthSince(prior: ServerEntry | undefined, next: ServerEntry): void {
    const now = this.clock.now();
    const before = prior && serverHealth(prior, now, this.healthRules);
    const after = serverHealth({ ...next, healthSince: now }, now, this.healthRules);
    next.healthSince = before && before.status === after.status && before.reason === after.reason ? before.since : now;
  }

  private putSession(entry: SessionEntry): void {
    const prior = this.sessions.get(entry.id);
    // A session id moving host or owner (a new session reusing an id) leaves its old index entries.
    if (prior && (prior.serverId !== entry.serverId || prior.owner !== entry.owner)) this.removeSession(entry.id);
    this.sessions.set(entry.id, entry);
    this.indexSet(this.sessionsByServer, entry.serverId, entry);
    this.indexSet(this.sessionsByOwner, entry.owner, entry);
    this.onChange?.(entry.serverId);
  }

  private indexSet(index: Map<string, Map<string, SessionEntry>>, key: string, entry: SessionEntry): void {
    const bucket = index.get(key) ?? new Map<string, SessionEntry>();
    index.set(key, bucket);
    bucket.set(entry.id, entry);
  }

  private indexDelete(index: Map<string, Map<string, SessionEntry>>, key: string, id: string): void {
    const bucket = index.get(key);
    if (!bucket) return;
    bucket.delete(id);
    if (bucket.size === 0) index.delete(key);
  }
}
