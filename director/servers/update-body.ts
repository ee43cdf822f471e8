import type { AgentStats, DcvSession } from '../../shared/api/agent-wire.ts';
import { AgentUpdateBody } from '../../shared/api/agent-update.ts';
import { DcvCheck } from '../../shared/api/dcv-check.ts';
import { Gpu, HostInfo } from '../../shared/api/host-facts.ts';
import { matches, readBody } from '../../shared/api/model-check.ts';
import { Tag } from '../../shared/api/tags.ts';
import { DCV_ERROR_KEPT, VERSION_KEPT } from '../../shared/api/update-limits.ts';
import { readReportedSession } from '../../shared/api/wire-session.ts';

/** POST /v1/agent/update as the director holds it once read (sessions normalised from the wire form). */
interface AgentUpdate {
  sessions: DcvSession[];
  stats: AgentStats;
  tags: string[];
  /** GPUs as the agent read them (none when it sent none). */
  gpus: Gpu[];
  /** Operating system and CPU, when the agent says. */
  host?: HostInfo;
  agentPort?: number;
  version?: string;
  /** Set when `dcv list-sessions` failed: the sessions are the last known list. */
  dcvError?: string;
  /** The agent's dcv_timeout (ms), so the director can check it against its own time limit. */
  dcvTimeoutMs?: number;
  /** The agent's max_virtual_sessions: the most virtual sessions placement puts on this host. */
  maxVirtualSessions?: number;
  /** The host runs console sessions only (DCV on Windows). */
  consoleOnly?: true;
  /** The host has no load average (Windows): placement reads cpu_usage. */
  loadAverage?: false;
  /** The DCV host self-check (dcv.conf verifier, DCV version), when the agent sends one. */
  dcvCheck?: DcvCheck;
}

/** One item of an update that was left out, and why. */
export interface SkippedItem {
  kind: 'session' | 'tag' | 'gpu' | 'host' | 'dcvCheck';
  reason: string;
}

/** A read update plus what was skipped of it. */
interface ParsedUpdate {
  update: AgentUpdate;
  skipped: SkippedItem[];
}

/**
 * Reads POST /v1/agent/update by its model. The envelope (AgentUpdateBody: sessions list, stats, tags
 * list) must be right or the whole update is a 400 INVALID_UPDATE. Each session (WireSession, in the
 * kebab-case or the older camelCase form), each tag (Tag) and each GPU (Gpu) is read on its own: a bad
 * one is skipped and reported back to the caller (who logs and counts it), so a host whose agent
 * reports one strange session does not vanish. Host facts of another shape are skipped whole.
 */
export function parseAgentUpdate(body: unknown): ParsedUpdate {
  const { sessions, stats, tags, gpus, host, agentPort, version, dcvError, dcvTimeoutMs, maxVirtualSessions, consoleOnly, loadAverage, dcvCheck } = readBody(AgentUpdateBody, body);
  const skipped: SkippedItem[] = [];
  const goodTags: string[] = [];
  for (const [index, rawTag] of (tags ?? []).entries()) {
    if (matches(Tag, rawTag)) goodTags.push(rawTag);
    else skipped.push({ kind: 'tag', reason: `tags[${index}] is not a tag (name or key=value)` });
  }
  const goodGpus: Gpu[] = [];
  for (const [index, rawGpu] of (gpus ?? []).entries()) {
    if (matches(Gpu, rawGpu)) goodGpus.push(keptGpu(rawGpu));
    else skipped.push({ kind: 'gpu', reason: `gpus[${index}] is not a GPU (name, memoryTotalBytes, memoryUsedBytes)` });
  }
  const hostFacts = host === undefined ? undefined : matches(HostInfo, host) ? keptHost(host) : undefined;
  if (host !== undefined && !hostFacts) skipped.push({ kind: 'host', reason: 'host is not host facts (osFamily, osName, ... as strings)' });
  const check = dcvCheck === undefined ? undefined : matches(DcvCheck, dcvCheck) ? keptCheck(dcvCheck) : undefined;
  if (dcvCheck !== undefined && !check) skipped.push({ kind: 'dcvCheck', reason: 'dcvCheck is not a DCV self-check (source, verifier, readError, dcvVersion as strings)' });
  const goodSessions: DcvSession[] = [];
  for (const [index, rawSession] of sessions.entries()) {
    const read = readReportedSession(rawSession);
    if (read.ok) goodSessions.push(read.session);
    else skipped.push({ kind: 'session', reason: `sessions[${index}]: ${read.reason}` });
  }
  const keptVersion = typeof version === 'string' ? version.slice(0, VERSION_KEPT) : undefined;
  const keptError = typeof dcvError === 'string' ? dcvError.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, DCV_ERROR_KEPT) : undefined;
  return {
    update: {
      sessions: goodSessions,
      stats: keptStats(stats),
      tags: goodTags,
      gpus: goodGpus,
      ...(hostFacts ? { host: hostFacts } : {}),
      ...(agentPort ? { agentPort } : {}),
      ...(keptVersion ? { version: keptVersion } : {}),
      ...(keptError ? { dcvError: keptError } : {}),
      ...(dcvTimeoutMs !== undefined ? { dcvTimeoutMs } : {}),
      ...(maxVirtualSessions !== undefined ? { maxVirtualSessions } : {}),
      ...(consoleOnly === true ? { consoleOnly } : {}),
      ...(loadAverage === false ? { loadAverage } : {}),
      ...(check ? { dcvCheck: check } : {}),
    },
    skipped,
  };
}

/** The stats the model declares, without whatever else an agent sent along (the Go agent's `agent_ip`, say). */
function keptStats(stats: AgentStats): AgentStats {
  const { hostname, free_memory, total_memory, cores, cpu_usage, load1, load5, load15 } = stats;
  return { hostname, free_memory, total_memory, cores, cpu_usage, load1, load5, load15 };
}

/** A GPU's declared fields, without whatever else an agent sent along. */
function keptGpu(gpu: Gpu): Gpu {
  const { name, memoryTotalBytes, memoryUsedBytes, utilizationPercent } = gpu;
  return { name, memoryTotalBytes, memoryUsedBytes, ...(utilizationPercent !== undefined ? { utilizationPercent } : {}) };
}

/** The self-check's declared fields, without other keys. */
function keptCheck(check: DcvCheck): DcvCheck {
  const { source, verifier, readError, dcvVersion } = check;
  return { source, ...(verifier !== undefined ? { verifier } : {}), ...(readError !== undefined ? { readError } : {}), ...(dcvVersion !== undefined ? { dcvVersion } : {}) };
}

/** The host facts the model declares, without other keys. */
function keptHost(host: HostInfo): HostInfo {
  const kept: HostInfo = {};
  for (const key of ['osFamily', 'osName', 'osVersion', 'kernelVersion', 'architecture', 'cpuModel'] as const) if (host[key] !== undefined) kept[key] = host[key];
  return kept;
}
