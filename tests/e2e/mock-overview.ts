/**
 * The mock director's GET /v1/admin/overview: a fleet of 42 hosts with what this branch's director
 * cannot report yet (draining hosts, session caps, GPUs), a working day of sessions over 24 hours of
 * samples, and an attention list longer than the 20 rows shown.
 */
import type { AttentionHost, Capacity, Overview } from '../../web/types.ts';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const capacity = (figures: Partial<Capacity>): Capacity => ({
  hosts: 0,
  healthy: 0,
  unhealthy: 0,
  offline: 0,
  draining: 0,
  inUse: 0,
  free: 0,
  capped: 0,
  gpu: null,
  ...figures,
});

/** Sessions over a day: quiet at night, busy from 9 to 17 (a smooth curve, whole numbers). */
function dayOfSessions(times: number[]): number[] {
  return times.map((time) => {
    const hour = new Date(time * 1000).getUTCHours() + new Date(time * 1000).getUTCMinutes() / 60;
    const day = Math.max(0, Math.sin(((hour - 7) / 12) * Math.PI));
    return Math.round(4 + 54 * day);
  });
}

function attentionHost(id: string, severity: AttentionHost['severity'], reasons: AttentionHost['reasons'], extra: Partial<AttentionHost> = {}): AttentionHost {
  const now = Date.now();
  return {
    id,
    severity,
    reasons,
    status: 'healthy',
    drained: false,
    health: { status: 'healthy', since: iso(now - 86_400_000) },
    sessions: 0,
    lastSeen: iso(now - 3_000),
    ...extra,
  };
}

/** The overview as of now. */
export function mockOverview(): Overview {
  const now = Date.now();
  const lastMinute = Math.floor(now / MINUTE) * MINUTE;
  const times = Array.from({ length: 1_440 }, (_, index) => (lastMinute - (1_439 - index) * MINUTE) / 1000);
  const sessions = dayOfSessions(times);
  const healthyHosts = times.map((_, index) => (index > 1_300 && index < 1_360 ? 36 : 38));
  const offline = attentionHost('ws17.example.com', 'critical', [{ code: 'OFFLINE', message: 'No update from its agent within server_offline_after' }], {
    status: 'offline',
    sessions: 2,
    lastSeen: iso(now - 40 * MINUTE),
  });
  const unhealthy = attentionHost('ws02.example.com', 'critical', [{ code: 'UNHEALTHY', message: 'LICENSES_EXHAUSTED: All DCV licences are in use' }], {
    health: { status: 'unhealthy', reason: 'LICENSES_EXHAUSTED', message: 'All DCV licences are in use', since: iso(now - 10 * MINUTE) },
    status: 'unhealthy',
    sessions: 1,
  });
  const full = attentionHost('gpu03.example.com', 'warning', [{ code: 'AT_CAP', message: '8 of 8 virtual sessions: takes no more' }], { sessions: 8 });
  const hot = attentionHost('gpu01.example.com', 'warning', [{ code: 'HIGH_LOAD', message: 'CPU 96 %, GPU 0 memory 97 % used' }], { sessions: 6 });
  const draining = attentionHost('ws09.example.com', 'notice', [{ code: 'DRAINING_WITH_SESSIONS', message: 'Draining, 3 sessions still on it' }], { drained: true, sessions: 3 });
  const stale = Array.from({ length: 18 }, (_, index) => attentionHost(`ws${String(20 + index)}.example.com`, 'warning', [{ code: 'STALE', message: 'Not updated since this director started' }]));
  const hosts = [offline, unhealthy, full, hot, ...stale, draining];
  return {
    generatedAt: iso(now),
    director: { name: 'director-a.example.com:8445', startedAt: iso(now - 3 * 86_400_000) },
    fleet: capacity({
      hosts: 42,
      healthy: 38,
      unhealthy: 1,
      offline: 3,
      draining: 2,
      inUse: sessions.at(-1)!,
      free: 61,
      capped: 6,
      gpu: { count: 12, memoryUsedMiB: 191_000, memoryTotalMiB: 294_912 },
    }),
    pools: [
      {
        id: 'gpu',
        description: 'GPU workstations for CAD and rendering',
        ...capacity({ hosts: 6, healthy: 6, draining: 0, inUse: 30, free: 18, capped: 6, gpu: { count: 12, memoryUsedMiB: 191_000, memoryTotalMiB: 294_912 } }),
      },
      { id: 'workstations', description: 'Shared Linux workstations for day-to-day engineering', ...capacity({ hosts: 36, healthy: 32, unhealthy: 1, offline: 3, draining: 2, inUse: 21, free: 43 }) },
    ],
    attention: { total: hosts.length, hosts: hosts.slice(0, 20) },
    history: { intervalSeconds: 60, times, sessions, healthyHosts, hosts: times.map(() => 42) },
  };
}
