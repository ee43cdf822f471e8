/** Hosts as the admin overview's aggregation sees them, with hand-made capacity facts (drain, caps, GPUs). */
import type { HostRow } from '../../director/overview/host-rows.ts';

/** A healthy, idle host without cap or GPU unless `extra` and `facts` say otherwise. */
export const hostRowOf = (id: string, extra: Partial<HostRow> = {}, facts: Partial<HostRow['facts']> = {}): HostRow => ({
  id,
  status: 'healthy',
  health: { status: 'healthy', since: 0 },
  stale: false,
  lastSeen: 0,
  stats: null,
  sessions: 0,
  virtualSessions: 0,
  ...extra,
  facts: { drained: false, gpus: [], ...facts },
});
