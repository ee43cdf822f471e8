import type { AgentStats, AgentUpdate } from '../../shared/api/agent-wire.ts';
import { readReportedSession } from '../../shared/api/read-session.ts';
import { badRequest } from '../../shared/errors.ts';

const MAX_SESSIONS = 2000;
const MAX_TAGS = 64;
const MAX_DCV_TIMEOUT_MS = 86_400_000;
const TAG_RE = /^[A-Za-z0-9][A-Za-z0-9_.:=/-]{0,63}$/;
const HOST_RE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** One item of an update that was left out, and why. */
export interface SkippedItem {
  kind: 'session' | 'tag';
  reason: string;
}

/** A parsed update plus what was skipped of it. */
export interface ParsedUpdate {
  update: AgentUpdate;
  skipped: SkippedItem[];
}

/**
 * Validates POST /v1/agent/update. The envelope (sessions list, stats, tags list) must be right or the
 * whole update is a 400. One bad session or one odd tag is skipped and reported back to the caller (who
 * logs and counts it), so a host whose agent reports one strange session does not vanish. Sessions are
 * read in the kebab-case form or the older camelCase form.
 */
export function parseAgentUpdate(body: Record<string, unknown>): ParsedUpdate {
  const { sessions, stats, tags } = body;
  if (!Array.isArray(sessions) || sessions.length > MAX_SESSIONS) throw badRequest('INVALID_UPDATE', `sessions must be a list of at most ${MAX_SESSIONS}`);
  if (!isObject(stats)) throw badRequest('INVALID_UPDATE', 'stats must be an object');
  const tagList = tags ?? [];
  if (!Array.isArray(tagList) || tagList.length > MAX_TAGS) throw badRequest('INVALID_UPDATE', `tags must be a list of at most ${MAX_TAGS} short tags`);
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
  const skipped: SkippedItem[] = [];
  const goodTags: string[] = [];
  for (const [index, rawTag] of tagList.entries()) {
    if (typeof rawTag === 'string' && TAG_RE.test(rawTag)) goodTags.push(rawTag);
    else skipped.push({ kind: 'tag', reason: `tags[${index}] is not a short tag` });
  }
  const goodSessions = [];
  for (const [index, rawSession] of sessions.entries()) {
    const read = readReportedSession(rawSession);
    if (read.ok) goodSessions.push(read.session);
    else skipped.push({ kind: 'session', reason: `sessions[${index}]: ${read.reason}` });
  }
  return {
    update: {
      sessions: goodSessions,
      stats: parseStats(stats),
      tags: goodTags,
      ...(agentPort ? { agentPort: agentPort as number } : {}),
      ...(version ? { version } : {}),
      ...(dcvError ? { dcvError } : {}),
      ...(dcvTimeoutMs !== undefined ? { dcvTimeoutMs: dcvTimeoutMs as number } : {}),
    },
    skipped,
  };
}

function parseStats(raw: Record<string, unknown>): AgentStats {
  const fields = ['free_memory', 'total_memory', 'cores', 'cpu_usage', 'load1', 'load5', 'load15'] as const;
  for (const field of fields) if (!num(raw[field])) throw badRequest('INVALID_UPDATE', `stats.${field} must be a non-negative number`);
  if (typeof raw.hostname !== 'string' || !HOST_RE.test(raw.hostname)) throw badRequest('INVALID_UPDATE', 'stats.hostname must be 1-253 characters of A-Z a-z 0-9 . - (the first a letter or digit)');
  return {
    hostname: raw.hostname,
    free_memory: raw.free_memory as number,
    total_memory: raw.total_memory as number,
    cores: raw.cores as number,
    cpu_usage: raw.cpu_usage as number,
    load1: raw.load1 as number,
    load5: raw.load5 as number,
    load15: raw.load15 as number,
  };
}
