import type { AgentState } from '../agents/store.ts';
import { isLive, type ServerChange, type ServerEntry, type ServerSeen, type SessionEntry } from './records.ts';

/** Rows one fleet transaction reads (and, on PostgreSQL, locks) before it decides what to write. */
export interface FleetReads {
  /** Agent states by GUID (locked shared: a revoke waits for the transaction, and the reverse). */
  agents?: string[];
  /** Server rows by id (locked). */
  servers?: string[];
  /** Server rows by GUID (locked). */
  serversOfGuids?: string[];
  /** Every session row on these servers, whatever its state (locked). */
  sessionsOn?: string[];
  /** Session rows by id (locked). */
  sessions?: string[];
  /** The live sessions of these owners, on any server (read only). */
  liveOf?: string[];
}

/** What a fleet transaction read. */
export interface FleetView {
  agents: ReadonlyMap<string, AgentState>;
  servers: ReadonlyMap<string, ServerEntry>;
  sessions: ReadonlyMap<string, SessionEntry>;
  /** Owners read with `liveOf` (their live sessions are among `sessions`). */
  owners: ReadonlySet<string>;
}

/** What a fleet transaction writes, in the order the stores apply it. */
export interface FleetWrites {
  /** Full server rows (their revision already raised). */
  servers: ServerEntry[];
  /** Last contact and figures only, for servers not otherwise written (never moves last_seen back). */
  seen: ServerSeen[];
  /** Session rows to insert or replace. */
  sessions: SessionEntry[];
  /** Session rows to insert that must not exist yet (a reservation): a clash fails the transaction. */
  newSessions: SessionEntry[];
  /** Session ids to delete. */
  dropSessions: string[];
  /** Live sessions whose figures moved (connections, status, last disconnection): attrs only, no new revision. */
  figures: SessionEntry[];
}

/** A reservation met a session id that is taken (on any director): the transaction wrote nothing. */
export class SessionIdTaken extends Error {
  override name = 'SessionIdTaken';
}

/**
 * The changes one transaction makes, built on what it read: the current row of anything it read or
 * wrote so far (so several reports in one batch see each other), the rows to write, and per server the
 * change the director's memory applies (one new revision per server per transaction).
 */
export class FleetPlan {
  private readonly servers = new Map<string, ServerEntry>();
  private readonly sessions = new Map<string, SessionEntry>();
  /** Session ids by server and by owner, and server ids by GUID: a batch of a thousand reports must not scan all rows per report. */
  private readonly byServer = new Map<string, Set<string>>();
  private readonly byGuid = new Map<string, Set<string>>();
  /** Made on the first `liveOf` (most plans never ask: an update's sessions are rarely ones the director gave up on). */
  private byOwner: Map<string, Set<string>> | undefined;
  private readonly touched = new Map<string, ServerChange>();
  private readonly seenOnly = new Map<string, ServerSeen>();
  private readonly upserts = new Map<string, SessionEntry>();
  private readonly inserts = new Map<string, SessionEntry>();
  private readonly drops = new Set<string>();
  private readonly figureUpdates = new Map<string, SessionEntry>();

  constructor(readonly view: FleetView) {
    for (const server of view.servers.values()) this.setServer(server);
    for (const session of view.sessions.values()) this.setSession(session);
  }

  agentState(guid: string): AgentState | undefined {
    return this.view.agents.get(guid);
  }

  server(id: string): ServerEntry | undefined {
    return this.servers.get(id);
  }

  serversOfGuid(guid: string): ServerEntry[] {
    const found: ServerEntry[] = [];
    for (const id of this.byGuid.get(guid) ?? []) {
      const server = this.servers.get(id)!;
      if (server.guid === guid) found.push(server);
    }
    return found;
  }

  session(id: string): SessionEntry | undefined {
    return this.sessions.get(id);
  }

  sessionsOn(serverId: string): SessionEntry[] {
    const found: SessionEntry[] = [];
    for (const id of this.byServer.get(serverId) ?? []) found.push(this.sessions.get(id)!);
    return found;
  }

  /** The live, not orphaned sessions of `owner` (read with `liveOf`, plus what this plan changed). */
  liveOf(owner: string): SessionEntry[] {
    if (!this.byOwner) {
      this.byOwner = new Map();
      for (const session of this.sessions.values()) addTo(this.byOwner, session.owner, session.id);
    }
    return [...(this.byOwner.get(owner) ?? [])].map((id) => this.sessions.get(id)!).filter((session) => isLive(session) && !session.orphaned);
  }

  /** Replaces a server row: its revision goes one above what was read (once per transaction). */
  putServer(next: Omit<ServerEntry, 'revision'>): ServerEntry {
    const change = this.change(next.id, next);
    this.seenOnly.delete(next.id);
    return change.server;
  }

  /** Refreshes last contact and figures without a new revision (unless the server is written anyway). */
  seen(seen: ServerSeen): void {
    const server = this.servers.get(seen.id);
    if (!server) return;
    const newer = seen.lastSeen >= server.lastSeen;
    this.setServer({ ...server, lastSeen: Math.max(server.lastSeen, seen.lastSeen), stats: newer ? seen.stats : server.stats, gpus: newer ? seen.gpus : server.gpus });
    const change = this.touched.get(seen.id);
    if (change) change.server = this.servers.get(seen.id)!;
    else this.seenOnly.set(seen.id, seen);
  }

  /** Inserts or replaces a session row; its server (and the server it left) get a new revision. */
  putSession(session: SessionEntry): void {
    this.figureUpdates.delete(session.id);
    this.track(session);
    this.drops.delete(session.id);
    if (!this.inserts.has(session.id)) this.upserts.set(session.id, session);
    else this.inserts.set(session.id, session);
  }

  /**
   * A live session's figures moved (connections, status, last disconnection): its attrs are rewritten
   * without a new revision, like a server's last contact, unless the row is written anyway.
   */
  figures(session: SessionEntry): void {
    const prior = this.sessions.get(session.id);
    if (!prior) return;
    this.unsetSession(prior);
    this.setSession(session);
    if (this.upserts.has(session.id) || this.inserts.has(session.id)) this.putSession(session);
    else this.figureUpdates.set(session.id, session);
  }

  /** Inserts a session row whose id must be free in the store (a reservation). */
  insertSession(session: SessionEntry): void {
    if (this.sessions.has(session.id)) throw new SessionIdTaken(session.id);
    this.track(session);
    this.inserts.set(session.id, session);
  }

  dropSession(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.unsetSession(session);
    this.upserts.delete(id);
    this.figureUpdates.delete(id);
    if (this.inserts.delete(id)) return;
    this.drops.add(id);
    this.goneFrom(session.serverId, id);
  }

  writes(): FleetWrites {
    return {
      servers: [...this.touched.values()].map((change) => change.server),
      seen: [...this.seenOnly.values()],
      sessions: [...this.upserts.values()],
      newSessions: [...this.inserts.values()],
      dropSessions: [...this.drops],
      figures: [...this.figureUpdates.values()],
    };
  }

  /** The last contact and figures written for a server that is not otherwise written. */
  seenOf(id: string): ServerSeen | undefined {
    return this.seenOnly.get(id);
  }

  /** The sessions whose figures alone are written (`writes().figures`). */
  figureWrites(): SessionEntry[] {
    return [...this.figureUpdates.values()];
  }

  /** Whether any server gets a new revision (a row written, a session put or gone). */
  hasChanges(): boolean {
    return this.touched.size > 0;
  }

  /** Per server written: its new row and its live sessions put or gone (for the director's memory). */
  changes(): ServerChange[] {
    return [...this.touched.values()];
  }

  private track(session: SessionEntry): void {
    const prior = this.sessions.get(session.id);
    if (prior) this.unsetSession(prior);
    this.setSession(session);
    if (prior && prior.serverId !== session.serverId) this.goneFrom(prior.serverId, session.id);
    const server = this.servers.get(session.serverId);
    if (!server) return;
    const change = this.change(server.id, server);
    change.gone = change.gone.filter((id) => id !== session.id);
    change.put = change.put.filter((put) => put.id !== session.id);
    if (isLive(session)) change.put.push(session);
    else if (prior && isLive(prior)) change.gone.push(session.id);
  }

  private goneFrom(serverId: string, id: string): void {
    const server = this.servers.get(serverId);
    if (!server) return;
    const change = this.change(serverId, server);
    change.put = change.put.filter((put) => put.id !== id);
    if (!change.gone.includes(id)) change.gone.push(id);
  }

  /** The change record of a server, made on first touch with the revision one above the row read. */
  private change(id: string, next: Omit<ServerEntry, 'revision'>): ServerChange {
    const read = this.view.servers.get(id);
    const revision = (read?.revision ?? 0) + 1;
    const server = { ...next, revision };
    this.setServer(server);
    const existing = this.touched.get(id);
    if (existing) {
      existing.server = server;
      return existing;
    }
    const change: ServerChange = { server, put: [], gone: [] };
    this.touched.set(id, change);
    return change;
  }

  private setServer(server: ServerEntry): void {
    const prior = this.servers.get(server.id);
    if (prior && prior.guid !== server.guid) this.byGuid.get(prior.guid)?.delete(server.id);
    this.servers.set(server.id, server);
    addTo(this.byGuid, server.guid, server.id);
  }

  private setSession(session: SessionEntry): void {
    this.sessions.set(session.id, session);
    addTo(this.byServer, session.serverId, session.id);
    if (this.byOwner) addTo(this.byOwner, session.owner, session.id);
  }

  private unsetSession(session: SessionEntry): void {
    this.sessions.delete(session.id);
    this.byServer.get(session.serverId)?.delete(session.id);
    this.byOwner?.get(session.owner)?.delete(session.id);
  }
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let bucket = index.get(key);
  if (!bucket) {
    bucket = new Set<string>();
    index.set(key, bucket);
  }
  bucket.add(id);
}
