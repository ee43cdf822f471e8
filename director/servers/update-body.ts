import { isSessionId, isSessionType, isUserName, type AgentStats, type AgentUpdate, type DcvSession } from '../../shared/api/agent-wire.ts';
import { badRequest } from '../../shared/errors.ts';

const MAX_SESSIONS = 2000;
const MAX_TAGS = 64;
const MAX_DCV_TIMEOUT_MS = 86_400_000;
const TAG_RE = /^[A-Za-z0-9][A-Za-z0-9_.:=/-]{0,63}$/;
const HOST_RE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Validates POST /v1/agent/update; sessions that fail the DCV-safe checks are a 400, not ignored. */
export function parseAgentUpdate(body: Record<string, unknown>): AgentUpdate {
  const { sessions, stats, tags } = body;
  if (!Array.isArray(sessions) || sessions.length > MAX_SESSIONS) throw badRequest('INVALID_UPDATE', `sessions must be a list of at most ${MAX_SESSIONS}`);
  if (!isObject(stats)) throw badRequest('INVALID_UPDATE', 'stats must be an object');
  const tagList = tags ?? [];
  if (!Array.isArray(tagList) || tagList.length > MAX_TAGS || tagList.some((t) => typeof t !== 'string' || !TAG_RE.test(t))) {
    throw badRequest('INVALID_UPDATE', `tags must be a list of at most ${MAX_TAGS} short tags`);
  }
  const agentPort = body.agentPort;
  if (agentPort !== undefined && !(Number.isInteger(agentPort) && (agentPort as number) > 0 && (agentPort as number) < 65536)) {
    throw badRequest('INVALID_UPDATE', 'agentPort must be a port number');
  }
  const dcvTimeoutMs = body.dcvTimeoutMs;
  if (dcvTimeoutMs !== undefined && !(Number.isInteger(dcvTimeoutMs) && (dcvTimeoutMs as number) > 0 && (dcvTimeoutMs as number) <= MAX_DCV_TIMEOUT_MS)) {
    throw badRequest('INVALID_UPDATE', `dcvTimeoutMs must be a whole number of milliseconds from 1 to ${MAX_DCV_TIMEOUT_MS}`);
  }
  const version = typeof body.version === 'string' ? body.version.slice(0, 64) : undefined;
  const dcvError = typeof body.dcvError === 'string' ? body.dcvError.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 500) : undefined;
  return {
    sessions: sessions.map(parseSession),
    stats: parseStats(stats),
    tags: tagList as string[],
    ...(agentPort ? { agentPort: agentPort as number } : {}),
    ...(version ? { version } : {}),
    ...(dcvError ? { dcvError } : {}),
    ...(dcvTimeoutMs !== undefined ? { dcvTimeoutMs: dcvTimeoutMs as number } : {}),
  };
}

function parseStats(s: Record<string, unknown>): AgentStats {
  const fields = ['free_memory', 'total_memory', 'cores', 'cpu_usage', 'load1', 'load5', 'load15'] as const;
  for (const f of fields) if (!num(s[f])) throw badRequest('INVALID_UPDATE', `stats.${f} must be a non-negative number`);
  if (typeof s.hostname !== 'string' || !HOST_RE.test(s.hostname)) throw badRequest('INVALID_UPDATE', 'stats.hostname must be a host name');
  return {
    hostname: s.hostname,
    free_memory: s.free_memory as number,
    total_memory: s.total_memory as number,
    cores: s.cores as number,
    cpu_usage: s.cpu_usage as number,
    load1: s.load1 as number,
    load5: s.load5 as number,
    load15: s.load15 as number,
  };
}

function parseSession(v: unknown, i: number): DcvSession {
  if (!isObject(v)) throw badRequest('INVALID_UPDATE', `sessions[${i}] must be an object`);
  if (!isSessionId(v.id)) throw badRequest('INVALID_UPDATE', `sessions[${i}].id is not a valid session id`);
  if (!isUserName(v.owner)) throw badRequest('INVALID_UPDATE', `sessions[${i}].owner is not a valid user name`);
  const type = isSessionType(v.type) ? v.type : 'virtual';
  const str = (x: unknown, max = 64) => (typeof x === 'string' && x.length <= max ? x : undefined);
  const n = v.numOfConnections;
  return {
    id: v.id,
    owner: v.owner,
    type,
    numOfConnections: Number.isInteger(n) && (n as number) >= 0 ? (n as number) : 0,
    ...(str(v.user) ? { user: str(v.user) } : {}),
    ...(str(v.name, 256) ? { name: str(v.name, 256) } : {}),
    ...(str(v.status) ? { status: str(v.status) } : {}),
    ...(str(v.creationTime) ? { creationTime: str(v.creationTime) } : {}),
    lastDisconnectionTime: str(v.lastDisconnectionTime) ?? null,
  };
}
