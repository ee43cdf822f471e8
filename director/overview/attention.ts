import type { HostRow } from './host-rows.ts';

/**
 * Why a host needs a look, most urgent first:
 *   OFFLINE     no update for server_offline_after: its users cannot reach it, placement skips it
 *   UNHEALTHY   online, but placement skips it (or uses it only as a last resort): the health reason says why
 *   STALE       not updated since this director started: no new sessions there until its agent reports
 *   AT_CAP      its virtual sessions reached its cap: it takes no more
 *   HIGH_LOAD   CPU, load per core, memory or GPU memory near the top
 *   DRAINING_WITH_SESSIONS  drained, with users still on it
 *   NEAR_CAP    80 % of its cap or more in use
 */
type AttentionCode = 'OFFLINE' | 'UNHEALTHY' | 'STALE' | 'AT_CAP' | 'HIGH_LOAD' | 'DRAINING_WITH_SESSIONS' | 'NEAR_CAP';
export type Severity = 'critical' | 'warning' | 'notice';

interface AttentionReason {
  code: AttentionCode;
  message: string;
}

interface AttentionRow {
  row: HostRow;
  severity: Severity;
  reasons: AttentionReason[];
}

const SEVERITY: Record<AttentionCode, Severity> = {
  OFFLINE: 'critical',
  UNHEALTHY: 'critical',
  STALE: 'warning',
  AT_CAP: 'warning',
  HIGH_LOAD: 'warning',
  DRAINING_WITH_SESSIONS: 'notice',
  NEAR_CAP: 'notice',
};
const RANK: Record<Severity, number> = { critical: 3, warning: 2, notice: 1 };

/** Thresholds of HIGH_LOAD and NEAR_CAP. */
const LIMITS = { cpuPercent: 90, loadPerCore: 1.5, memoryUsedPercent: 95, gpuMemoryUsedPercent: 95, nearCapShare: 0.8 };

/** How many hosts the list shows at most: the first ones to look at, not a second server table. */
const ATTENTION_ROWS = 20;

const share = (used: number, total: number) => (total > 0 ? (used / total) * 100 : 0);
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function loadReasons(row: HostRow): string[] {
  const found: string[] = [];
  const stats = row.stats;
  if (stats) {
    if (stats.cpu_usage >= LIMITS.cpuPercent) found.push(`CPU ${Math.round(stats.cpu_usage)} %`);
    if (stats.cores > 0 && stats.load1 / stats.cores >= LIMITS.loadPerCore) found.push(`load ${stats.load1.toFixed(1)} on ${plural(stats.cores, 'core')}`);
    const memory = share(stats.total_memory - stats.free_memory, stats.total_memory);
    if (memory >= LIMITS.memoryUsedPercent) found.push(`memory ${Math.round(memory)} % used`);
  }
  row.facts.gpus.forEach((gpu, index) => {
    const used = share(gpu.memoryUsedMiB, gpu.memoryTotalMiB);
    if (used >= LIMITS.gpuMemoryUsedPercent) found.push(`GPU ${index} memory ${Math.round(used)} % used`);
  });
  return found;
}

/** Everything that makes one host worth a look (empty: nothing). */
export function attentionReasons(row: HostRow): AttentionReason[] {
  const reasons: AttentionReason[] = [];
  if (row.status === 'offline') reasons.push({ code: 'OFFLINE', message: 'No update from its agent within server_offline_after' });
  if (row.status === 'unhealthy') reasons.push({ code: 'UNHEALTHY', message: `${row.health.reason ?? 'Unhealthy'}: ${row.health.message ?? ''}`.replace(/: $/, '') });
  if (row.stale && row.status !== 'offline') reasons.push({ code: 'STALE', message: 'Not updated since this director started' });
  const cap = row.facts.maxVirtualSessions;
  if (cap !== undefined && row.virtualSessions >= cap) reasons.push({ code: 'AT_CAP', message: `${row.virtualSessions} of ${cap} virtual sessions: takes no more` });
  else if (cap !== undefined && cap > 0 && row.virtualSessions >= cap * LIMITS.nearCapShare) reasons.push({ code: 'NEAR_CAP', message: `${row.virtualSessions} of ${cap} virtual sessions` });
  if (row.status !== 'offline') {
    const load = loadReasons(row);
    if (load.length) reasons.push({ code: 'HIGH_LOAD', message: load.join(', ') });
  }
  if (row.facts.drained && row.sessions > 0) reasons.push({ code: 'DRAINING_WITH_SESSIONS', message: `Draining, ${plural(row.sessions, 'session')} still on it` });
  return reasons.sort((left, right) => RANK[SEVERITY[right.code]] - RANK[SEVERITY[left.code]]);
}

/**
 * The hosts that need attention, most severe first (then the one with more sessions, as more users
 * feel it, then by id), at most `limit` of them, and how many there are in all.
 */
export function needsAttention(rows: Iterable<HostRow>, limit = ATTENTION_ROWS): { hosts: AttentionRow[]; total: number } {
  const found: AttentionRow[] = [];
  for (const row of rows) {
    const reasons = attentionReasons(row);
    if (reasons.length) found.push({ row, severity: SEVERITY[reasons[0]!.code], reasons });
  }
  found.sort((left, right) => RANK[right.severity] - RANK[left.severity] || right.row.sessions - left.row.sessions || (left.row.id < right.row.id ? -1 : left.row.id > right.row.id ? 1 : 0));
  return { hosts: found.slice(0, limit), total: found.length };
}
