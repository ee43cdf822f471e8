import type { AgentStats, DcvSession } from '../../shared/api/agent-wire.ts';
import type { Clock } from '../../shared/clock.ts';
import { conflict } from '../../shared/errors.ts';

/** A DCV host as the director knows it from its agent's updates. */
export interface ServerEntry {
  /** Server id = the host name the agent reports (policy files name servers by it). */
  id: string;
  guid: string;
  address: string;
  agentPort: number;
  stats: AgentStats | null;
  tags: string[];
  version: string | null;
  lastSeen: number;
  /** The agent's last dcv failure (e.g. dcv missing), shown to admins; null when dcv works. */
  dcvError: string | null;
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
}

/**
 * In-memory runtime state (seed: the runtime session DB is in memory): servers from agent updates and
 * the sessions on them. Rebuilt from agent updates after a director restart within one update interval.
 */
export class RuntimeState {
  private readonly servers = new Map<string, ServerEntry>();
  private readonly sessions = new Map<string, SessionEntry>();

  constructor(private readonly clock: Clock) {}

  /** Applies one agent update: server facts, and its session list replaces what the server had. */
  applyUpdate(u: { guid: string; hostname: string; address: string; agentPort: number; stats: AgentStats; tags: string[]; version?: string; dcvError?: string; sessions: DcvSession[] }): void {
    const now = this.clock.now();
    const holder = this.servers.get(u.hostname);
    if (holder && holder.guid !== u.guid) throw conflict('HOSTNAME_TAKEN', `host name ${u.hostname} is held by another agent`);
    // The same GUID may come back under a new host name: drop the old entry.
    for (const [id, s] of this.servers) if (s.guid === u.guid && id !== u.hostname) this.removeServer(id);
    this.servers.set(u.hostname, {
      id: u.hostname,
      guid: u.guid,
      address: u.address,
      agentPort: u.agentPort,
      stats: u.stats,
      tags: u.tags,
      version: u.version ?? null,
      lastSeen: now,
      dcvError: u.dcvError ?? null,
    });
    const reported = new Set<string>();
    for (const s of u.sessions) {
      reported.add(s.id);
      const prior = this.sessions.get(s.id);
      this.sessions.set(s.id, { ...s, serverId: u.hostname, refreshedAt: now, confirmed: true, ...(prior?.pool ? { pool: prior.pool } : {}) });
    }
    // A confirmed session the agent no longer lists is gone (closed on the host or reaped). One the
    // director just created may be missing from an update the agent built before the create.
    for (const [id, s] of this.sessions) {
      if (s.serverId === u.hostname && s.confirmed && !reported.has(id)) this.sessions.delete(id);
    }
  }

  server(id: string): ServerEntry | undefined {
    return this.servers.get(id);
  }

  serverByGuid(guid: string): ServerEntry | undefined {
    for (const s of this.servers.values()) if (s.guid === guid) return s;
    return undefined;
  }

  allServers(): IterableIterator<ServerEntry> {
    return this.servers.values();
  }

  serverIds(): IterableIterator<string> {
    return this.servers.keys();
  }

  isOnline(s: ServerEntry, offlineAfterMs: number): boolean {
    return this.clock.now() - s.lastSeen <= offlineAfterMs;
  }

  session(id: string): SessionEntry | undefined {
    return this.sessions.get(id);
  }

  allSessions(): IterableIterator<SessionEntry> {
    return this.sessions.values();
  }

  sessionsOn(serverId: string): SessionEntry[] {
    const out: SessionEntry[] = [];
    for (const s of this.sessions.values()) if (s.serverId === serverId) out.push(s);
    return out;
  }

  /** Records a session the director just created, before the agent's next update confirms it. */
  addSession(s: Omit<SessionEntry, 'refreshedAt' | 'confirmed'>): SessionEntry {
    const entry = { ...s, refreshedAt: this.clock.now(), confirmed: false };
    this.sessions.set(s.id, entry);
    return entry;
  }

  removeSession(id: string): void {
    this.sessions.delete(id);
  }

  /** Forgets the server of an agent (revoked): no placement on it, its sessions gone from view. */
  removeAgent(guid: string): void {
    const server = this.serverByGuid(guid);
    if (server) this.removeServer(server.id);
  }

  removeServer(id: string): void {
    this.servers.delete(id);
    for (const [sid, s] of this.sessions) if (s.serverId === id) this.sessions.delete(sid);
  }

  /** Housekeeping: drops sessions no update confirmed within `staleAfterMs`; returns their ids. */
  dropStaleSessions(staleAfterMs: number): string[] {
    const cutoff = this.clock.now() - staleAfterMs;
    const dropped: string[] = [];
    for (const [id, s] of this.sessions) {
      if (s.refreshedAt < cutoff) {
        this.sessions.delete(id);
        dropped.push(id);
      }
    }
    return dropped;
  }

  counts(): { servers: number; sessions: number } {
    return { servers: this.servers.size, sessions: this.sessions.size };
  }
}
