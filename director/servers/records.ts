import type { AgentStats, DcvSession } from '../../shared/api/agent-wire.ts';
import { Gpu, HostInfo } from '../../shared/api/host-facts.ts';
import { matches } from '../../shared/api/model-check.ts';
import { ServerDcvCheck } from './dcv-check.ts';
import type { HealthFacts, PlacementFailure } from './health.ts';

/**
 * Servers and sessions as the store holds them (table servers and sessions) and as the director's
 * memory mirrors them (runtime-state.ts). A server row is the aggregate root: every write to a server
 * or to a session on it raises the server's `revision`, so a newer picture always wins over an older one.
 */

/** active: placed on; orphaned: its agent was revoked while sessions ran (kept for them); removed: gone, kept a while so every director sees it go. */
export type ServerState = 'active' | 'orphaned' | 'removed';

/** A DCV host as the director knows it from its agent's updates. */
export interface ServerEntry extends HealthFacts {
  /** Server id = the host name the agent registered (policy files name servers by it). */
  id: string;
  guid: string;
  revision: number;
  state: ServerState;
  address: string;
  agentPort: number;
  stats: AgentStats | null;
  tags: string[];
  /** GPUs from the last update (figures, refreshed like stats); absent: none reported. */
  gpus?: Gpu[];
  /** Operating system and CPU, when the agent says. */
  host?: HostInfo;
  /** The agent's version, when it says. */
  version: string | null;
  lastSeen: number;
  /** The agent's max_virtual_sessions: placement puts no more virtual sessions here (absent: no limit). */
  maxVirtualSessions?: number;
  /** The host runs console sessions only (DCV on Windows): no virtual session goes there (absent: both kinds). */
  consoleOnly?: true;
  /** The host has no load average (Windows): placement ranks it by cpu_usage (absent: it has one). */
  loadAverage?: false;
  /** Set while an admin holds the server in maintenance: no new sessions there (absent: open). */
  drain?: ServerDrain;
  /** The DCV self-check from the last update with the director's verdict (absent: the agent sends none). */
  dcvCheck?: ServerDcvCheck;
}

/** An admin's drain mark on a server: who, when and why (columns drained_at, drained_by, drain_reason). */
export interface ServerDrain {
  /** Epoch ms. */
  at: number;
  by: string;
  reason: string | null;
}

/**
 * creating: id reserved, the agent is being asked; starting: the agent created it, no update listed it
 * yet; running: an update listed it; abandoned: the director gave up waiting for the create (the session
 * may still appear: it is then adopted or closed); closed: closed through the director, kept a while
 * so an update sent before the close cannot bring it back.
 */
export type SessionState = 'creating' | 'starting' | 'running' | 'abandoned' | 'closed';

/** A session: what DCV reports of it plus what the director knows. */
export interface SessionEntry extends DcvSession {
  serverId: string;
  /** Pool it was placed through, if any. */
  pool?: string;
  state: SessionState;
  /** director: created through a director (trusted whatever the policy says); agent: only reported by a host. */
  origin: 'director' | 'agent';
  /** Its agent was revoked: kept visible to admins until an admin closes it. */
  orphaned: boolean;
  createdAt: number;
  /** When an update (or the director) last changed or first confirmed it. */
  refreshedAt: number;
}

/** The states users and DCV see (starting, running): everything else is bookkeeping. */
export const isLive = (session: Pick<SessionEntry, 'state'>): boolean => session.state === 'starting' || session.state === 'running';

/** A server with its live sessions, as one consistent picture at one revision. */
export interface ServerSnapshot {
  server: ServerEntry;
  sessions: SessionEntry[];
}

/**
 * What one write did to one server, for the memory of the director that wrote it: the server's new row
 * (its revision one above the last) and its live sessions added, changed or gone.
 */
export interface ServerChange {
  server: ServerEntry;
  put: SessionEntry[];
  gone: string[];
}

/**
 * Last contact and figures of a server: refreshed by every update without a new revision. GPU figures
 * live in the attrs column with the tags and host facts, so that column is written whole with them
 * (tags and host facts as they are: a change of those is a new revision).
 */
export type ServerSeen = Pick<ServerEntry, 'id' | 'lastSeen' | 'stats' | 'tags' | 'gpus' | 'host' | 'maxVirtualSessions' | 'dcvCheck' | 'consoleOnly' | 'loadAverage'>;

/** The attrs format the director writes now (1 = the blob entries of the earlier release). */
export const ATTRS_VERSION = 2;

/** A server's attrs column: what has no column of its own (tags, GPUs, host facts, the agent's session cap, the DCV self-check). */
export function serverAttrs(server: Pick<ServerEntry, 'tags' | 'gpus' | 'host' | 'maxVirtualSessions' | 'dcvCheck' | 'consoleOnly' | 'loadAverage'>): string {
  // Keys assigned in a fixed order, present ones only (not spread in: this runs for every update).
  const attrs: Record<string, unknown> = { tags: server.tags };
  if (server.gpus?.length) attrs.gpus = server.gpus;
  if (server.host) attrs.host = server.host;
  if (server.maxVirtualSessions !== undefined) attrs.maxVirtualSessions = server.maxVirtualSessions;
  if (server.consoleOnly) attrs.consoleOnly = true;
  if (server.loadAverage === false) attrs.loadAverage = false;
  if (server.dcvCheck) attrs.dcvCheck = server.dcvCheck;
  return JSON.stringify(attrs);
}

/** A session's attrs column: what DCV reports beyond id, owner and type. */
export function sessionAttrs(session: DcvSession): string {
  const attrs: Record<string, unknown> = { numOfConnections: session.numOfConnections };
  if (session.status !== undefined) attrs.status = session.status;
  if (session.user !== undefined) attrs.user = session.user;
  if (session.name !== undefined) attrs.name = session.name;
  if (session.creationTime !== undefined) attrs.creationTime = session.creationTime;
  if (session.lastDisconnectionTime !== undefined) attrs.lastDisconnectionTime = session.lastDisconnectionTime;
  return JSON.stringify(attrs);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Reads a server's attrs in either format. Version 1 is the whole entry the earlier release stored as
 * JSON (tags among many fields); version 2 holds only what has no column: tags, and since GPUs and host
 * facts were added (optional keys, so either release reads the other's rows) those too. Unknown
 * versions read as empty; a GPU or host facts that do not match their model are left out.
 */
export function readServerAttrs(json: string, version: number): Pick<ServerEntry, 'tags' | 'gpus' | 'host' | 'maxVirtualSessions' | 'dcvCheck' | 'consoleOnly' | 'loadAverage'> {
  const parsed = safeJson(json);
  if ((version !== 1 && version !== 2) || !isObject(parsed)) return { tags: [] };
  const tags = Array.isArray(parsed.tags) ? parsed.tags.filter((tag): tag is string => typeof tag === 'string') : [];
  const gpus = Array.isArray(parsed.gpus) ? parsed.gpus.filter((gpu): gpu is Gpu => matches(Gpu, gpu)) : [];
  const cap = parsed.maxVirtualSessions;
  return {
    tags,
    ...(gpus.length ? { gpus } : {}),
    ...(matches(HostInfo, parsed.host) ? { host: parsed.host } : {}),
    ...(Number.isInteger(cap) && (cap as number) > 0 ? { maxVirtualSessions: cap as number } : {}),
    ...(parsed.consoleOnly === true ? { consoleOnly: true as const } : {}),
    ...(parsed.loadAverage === false ? { loadAverage: false as const } : {}),
    ...(matches(ServerDcvCheck, parsed.dcvCheck) ? { dcvCheck: parsed.dcvCheck } : {}),
  };
}

/**
 * Reads a session's attrs in either format: version 1 is the earlier release's session entry (the same
 * field names, among others such as confirmed and refreshedAt, which have columns now), version 2 the
 * DCV attributes alone.
 */
export function readSessionAttrs(json: string, version: number): Omit<DcvSession, 'id' | 'owner' | 'type'> {
  const parsed = safeJson(json);
  if ((version !== 1 && version !== 2) || !isObject(parsed)) return { numOfConnections: 0 };
  const count = parsed.numOfConnections;
  const out: Omit<DcvSession, 'id' | 'owner' | 'type'> = { numOfConnections: Number.isInteger(count) && (count as number) >= 0 ? (count as number) : 0 };
  for (const key of ['status', 'user', 'name', 'creationTime'] as const) {
    const value = text(parsed[key]);
    if (value !== undefined) out[key] = value;
  }
  if (parsed.lastDisconnectionTime === null || typeof parsed.lastDisconnectionTime === 'string') out.lastDisconnectionTime = parsed.lastDisconnectionTime;
  return out;
}

function safeJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    // A damaged attrs column must not hide the row: it reads as empty (the columns carry what matters).
    return undefined;
  }
}

/** The placement failure held in the failure_* columns (all four or none). */
export function failureOf(row: { failure_reason: unknown; failure_message: unknown; failure_at: unknown; failure_until: unknown }): PlacementFailure | null {
  if (typeof row.failure_reason !== 'string' || row.failure_until === null || row.failure_until === undefined) return null;
  return { reason: row.failure_reason as PlacementFailure['reason'], message: String(row.failure_message ?? ''), at: Number(row.failure_at ?? 0), until: Number(row.failure_until) };
}

/** The columns both dialects name alike; numbers may arrive as strings (PostgreSQL int8). */
export interface ServerRow {
  id: string;
  guid: string;
  revision: unknown;
  state: ServerState;
  address: string;
  agent_port: unknown;
  agent_version: string | null;
  dcv_error: string | null;
  dcv_timeout_ms: unknown;
  failure_reason: string | null;
  failure_message: string | null;
  failure_at: unknown;
  failure_until: unknown;
  health_since: unknown;
  last_seen: unknown;
  reported_hostname: string | null;
  free_memory: unknown;
  total_memory: unknown;
  cores: unknown;
  cpu_usage: unknown;
  load1: unknown;
  load5: unknown;
  load15: unknown;
  attrs: string;
  attrs_version: unknown;
  drained_at: unknown;
  drained_by: string | null;
  drain_reason: string | null;
}

export interface SessionRow {
  id: string;
  server_id: string;
  owner: string;
  type: 'console' | 'virtual';
  pool: string | null;
  state: SessionState;
  origin: 'director' | 'agent';
  orphaned: unknown;
  created_at: unknown;
  refreshed_at: unknown;
  attrs: string;
  attrs_version: unknown;
}

const nullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** The stats columns as the agent's figures (null when the server never reported any). */
export function statsOf(row: Pick<ServerRow, 'reported_hostname' | 'free_memory' | 'total_memory' | 'cores' | 'cpu_usage' | 'load1' | 'load5' | 'load15'>): AgentStats | null {
  if (row.cores === null || row.cores === undefined) return null;
  return {
    hostname: row.reported_hostname ?? '',
    free_memory: Number(row.free_memory),
    total_memory: Number(row.total_memory),
    cores: Number(row.cores),
    cpu_usage: Number(row.cpu_usage),
    load1: Number(row.load1),
    load5: Number(row.load5),
    load15: Number(row.load15),
  };
}

export function serverFromRow(row: ServerRow): ServerEntry {
  return {
    id: row.id,
    guid: row.guid,
    revision: Number(row.revision),
    state: row.state,
    address: row.address,
    agentPort: Number(row.agent_port),
    version: row.agent_version,
    dcvError: row.dcv_error,
    dcvTimeoutMs: nullableNumber(row.dcv_timeout_ms),
    placementFailure: failureOf(row),
    healthSince: Number(row.health_since),
    lastSeen: Number(row.last_seen),
    stats: statsOf(row),
    ...readServerAttrs(row.attrs, Number(row.attrs_version)),
    ...drainOf(row),
  };
}

/** The drain mark held in the drained_* columns ({} when the server is open). */
function drainOf(row: Pick<ServerRow, 'drained_at' | 'drained_by' | 'drain_reason'>): { drain?: ServerDrain } {
  if (row.drained_at === null || row.drained_at === undefined) return {};
  return { drain: { at: Number(row.drained_at), by: row.drained_by ?? '', reason: row.drain_reason ?? null } };
}

export function sessionFromRow(row: SessionRow): SessionEntry {
  return {
    ...readSessionAttrs(row.attrs, Number(row.attrs_version)),
    id: row.id,
    owner: row.owner,
    type: row.type,
    serverId: row.server_id,
    ...(row.pool !== null ? { pool: row.pool } : {}),
    state: row.state,
    origin: row.origin,
    orphaned: row.orphaned === true || row.orphaned === 1 || row.orphaned === '1',
    createdAt: Number(row.created_at),
    refreshedAt: Number(row.refreshed_at),
  };
}

/** Last contact and figures as the columns a write binds (attrs whole: it holds the GPU figures). */
export function seenColumns(seen: ServerSeen) {
  const stats = seen.stats;
  return {
    id: seen.id,
    attrs: serverAttrs(seen),
    attrs_version: ATTRS_VERSION,
    last_seen: seen.lastSeen,
    reported_hostname: stats?.hostname ?? null,
    free_memory: stats?.free_memory ?? null,
    total_memory: stats?.total_memory ?? null,
    cores: stats?.cores ?? null,
    cpu_usage: stats?.cpu_usage ?? null,
    load1: stats?.load1 ?? null,
    load5: stats?.load5 ?? null,
    load15: stats?.load15 ?? null,
  };
}

/** A server entry as the columns a write binds (the same names in both dialects). */
export function serverColumns(server: ServerEntry, now: number) {
  const failure = server.placementFailure;
  return {
    ...seenColumns(server),
    guid: server.guid,
    revision: server.revision,
    state: server.state,
    address: server.address,
    agent_port: server.agentPort,
    agent_version: server.version,
    dcv_error: server.dcvError,
    dcv_timeout_ms: server.dcvTimeoutMs,
    failure_reason: failure?.reason ?? null,
    failure_message: failure?.message ?? null,
    failure_at: failure?.at ?? null,
    failure_until: failure?.until ?? null,
    health_since: server.healthSince,
    updated_at: now,
    drained_at: server.drain?.at ?? null,
    drained_by: server.drain?.by ?? null,
    drain_reason: server.drain?.reason ?? null,
  };
}

export function sessionColumns(session: SessionEntry) {
  return {
    id: session.id,
    server_id: session.serverId,
    owner: session.owner,
    type: session.type,
    pool: session.pool ?? null,
    state: session.state,
    origin: session.origin,
    orphaned: session.orphaned,
    created_at: session.createdAt,
    refreshed_at: session.refreshedAt,
    attrs: sessionAttrs(session),
    attrs_version: ATTRS_VERSION,
  };
}

/** Column names of the two tables, in the order writes list them. */
export const SERVER_COLUMNS = [
  'id',
  'guid',
  'revision',
  'state',
  'address',
  'agent_port',
  'agent_version',
  'dcv_error',
  'dcv_timeout_ms',
  'failure_reason',
  'failure_message',
  'failure_at',
  'failure_until',
  'health_since',
  'last_seen',
  'reported_hostname',
  'free_memory',
  'total_memory',
  'cores',
  'cpu_usage',
  'load1',
  'load5',
  'load15',
  'attrs',
  'attrs_version',
  'updated_at',
  'drained_at',
  'drained_by',
  'drain_reason',
] as const;
export const SESSION_COLUMNS = ['id', 'server_id', 'owner', 'type', 'pool', 'state', 'origin', 'orphaned', 'created_at', 'refreshed_at', 'attrs', 'attrs_version'] as const;
