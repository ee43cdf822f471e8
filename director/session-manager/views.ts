import { splitTag } from '../../shared/api/tags.ts';
import type { SessionManagerDeps } from './deps.ts';
import type { SessionRequest } from './request-store.ts';
import type { ServerEntry, SessionEntry } from '../servers/records.ts';

/** Session Manager's session states for ours: a reserved create is CREATING, a live one READY, a closed one DELETED. */
const STATES: Record<SessionEntry['state'], string> = { creating: 'CREATING', starting: 'READY', running: 'READY', abandoned: 'UNKNOWN', closed: 'DELETED' };

/** A Session Manager state with the reason for it (StateReason), where one is worth giving. */
export interface SmState {
  State: 'CREATING' | 'READY' | 'DELETING' | 'DELETED' | 'UNKNOWN';
  StateReason?: string;
  Substate?: 'SESSION_PLACING';
}

const dropUndefined = <T extends Record<string, unknown>>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;

/** Why a server takes no new sessions, in Session Manager's words, or undefined when it does. */
function unavailability(deps: Pick<SessionManagerDeps, 'state' | 'offlineAfterMs'>, server: ServerEntry): string | undefined {
  if (!deps.state.isOnline(server, deps.offlineAfterMs)) return 'UNREACHABLE_AGENT';
  if (server.drain) return 'SERVER_CLOSED';
  if (server.dcvError !== null || deps.state.health(server).status !== 'healthy') return 'UNHEALTHY_DCV_SERVER';
  return undefined;
}

/** A server as Session Manager's Server object. */
export function smServer(deps: Pick<SessionManagerDeps, 'state' | 'offlineAfterMs' | 'endpoint'>, server: ServerEntry) {
  const endpoint = deps.endpoint(server);
  const sessions = deps.state.sessionsOn(server.id);
  const stats = server.stats;
  const host = server.host;
  const reason = unavailability(deps, server);
  return dropUndefined({
    Id: server.id,
    Ip: server.address,
    Hostname: stats?.hostname || server.id,
    Port: String(endpoint.port),
    Endpoints: [{ IpAddress: endpoint.host, Port: endpoint.port, WebUrlPath: endpoint.webUrlPath, Protocol: 'HTTP' }],
    WebUrlPath: endpoint.webUrlPath,
    SessionManagerAgentVersion: server.version ?? undefined,
    Availability: reason ? 'UNAVAILABLE' : 'AVAILABLE',
    UnavailabilityReason: reason,
    ConsoleSessionCount: sessions.filter((session) => session.type === 'console').length,
    VirtualSessionCount: sessions.filter((session) => session.type === 'virtual').length,
    Host: dropUndefined({
      Os: host ? dropUndefined({ Family: host.osFamily, Name: host.osName, Version: host.osVersion, KernelVersion: host.kernelVersion }) : undefined,
      Memory: stats ? { TotalBytes: Math.round(stats.total_memory), UsedBytes: Math.max(0, Math.round(stats.total_memory - stats.free_memory)) } : undefined,
      CpuInfo: stats ? dropUndefined({ Architecture: host?.architecture, ModelName: host?.cpuModel, NumberOfCpus: Math.round(stats.cores) }) : undefined,
      CpuLoadAverage: stats ? { OneMinute: stats.load1, FiveMinutes: stats.load5, FifteenMinutes: stats.load15 } : undefined,
      Gpus: (server.gpus ?? []).map((gpu) => ({ ModelName: gpu.name })),
    }),
    Tags: server.tags.map((tag) => {
      const { key, value } = splitTag(tag);
      return { Key: key, Value: value };
    }),
  });
}

/**
 * A live session's state: READY, or UNKNOWN while its host's agent is offline or not heard from since
 * this director started (the session may have ended there unseen).
 */
function liveState(deps: Pick<SessionManagerDeps, 'state' | 'offlineAfterMs'>, session: SessionEntry, server: ServerEntry): SmState {
  if (!deps.state.isOnline(server, deps.offlineAfterMs)) return { State: 'UNKNOWN', StateReason: `the agent on ${server.id} is offline: the session's state cannot be known` };
  if (deps.state.isStale(server)) return { State: 'UNKNOWN', StateReason: `the agent on ${server.id} has not reported since this director started` };
  return { State: STATES[session.state] as SmState['State'] };
}

/** A session as Session Manager's Session object (its server included); `state` overrides what the session row says (a delete under way). */
export function smSession(deps: Pick<SessionManagerDeps, 'state' | 'offlineAfterMs' | 'endpoint'>, session: SessionEntry, server: ServerEntry, state?: SmState) {
  return dropUndefined({
    Id: session.id,
    Name: session.name || undefined,
    Owner: session.owner,
    Server: smServer(deps, server),
    Type: session.type === 'console' ? 'Console' : 'Virtual',
    ...(state ?? liveState(deps, session, server)),
    CreationTime: session.creationTime ?? new Date(session.createdAt).toISOString(),
    LastDisconnectionTime: session.lastDisconnectionTime ?? undefined,
    NumOfConnections: session.numOfConnections,
  });
}

/** A session known only by its request (being placed, failed, deleted): no server to name. */
export function smRequest(request: SessionRequest, state: SmState) {
  return dropUndefined({
    Id: request.id,
    Name: request.name,
    Owner: request.owner,
    Type: request.type === 'console' ? 'Console' : 'Virtual',
    ...state,
    CreationTime: new Date(request.createdAt).toISOString(),
    NumOfConnections: 0,
  });
}
