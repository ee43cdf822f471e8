import { poolMembers } from '../policy/evaluate.ts';
import type { Policy } from '../policy/schema.ts';
import { healthView } from '../servers/health.ts';
import type { RuntimeState } from '../servers/runtime-state.ts';
import { needsAttention } from './attention.ts';
import { capacityOf } from './capacity.ts';
import { SAMPLE_EVERY_MS, type FleetSample, type FleetSeries } from './history.ts';
import { hostRows } from './host-rows.ts';

export interface OverviewSources {
  state: RuntimeState;
  policy: () => Policy;
  history: () => FleetSeries;
  offlineAfterMs: number;
  /** This director's name (host:port) and start, for "whose view is this". */
  director: () => { name: string; startedAt: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The figures a minute's sample records, from the runtime state now. */
export function fleetSample(state: RuntimeState, offlineAfterMs: number): FleetSample {
  const fleet = capacityOf(hostRows(state, offlineAfterMs).values());
  return { sessions: fleet.inUse, healthyHosts: fleet.healthy, hosts: fleet.hosts };
}

/**
 * GET /v1/admin/overview: this director's view of the fleet now (totals, each pool's capacity, the
 * hosts to look at first) and its last 24 hours of samples. Pools and their members come from the
 * policy ("*": every known host); hosts from the runtime state.
 */
export function fleetOverview(sources: OverviewSources) {
  const { state } = sources;
  const policy = sources.policy();
  const rows = hostRows(state, sources.offlineAfterMs);
  const pools = [...policy.pools.keys()].sort().map((id) => {
    const members = new Set(poolMembers(policy, id, state.sortedServerIds()));
    return { id, description: policy.pools.get(id)?.description ?? '', ...capacityOf([...members].map((member) => rows.get(member))) };
  });
  const attention = needsAttention(rows.values());
  const self = sources.director();
  return {
    generatedAt: iso(state.now()),
    director: { name: self.name, startedAt: iso(self.startedAt) },
    fleet: capacityOf(rows.values()),
    pools,
    attention: {
      total: attention.total,
      hosts: attention.hosts.map(({ row, severity, reasons }) => ({
        id: row.id,
        severity,
        reasons,
        status: row.status,
        drained: row.facts.drained,
        health: healthView(row.health),
        sessions: row.sessions,
        lastSeen: iso(row.lastSeen),
      })),
    },
    history: { intervalSeconds: SAMPLE_EVERY_MS / 1000, ...sources.history() },
  };
}
