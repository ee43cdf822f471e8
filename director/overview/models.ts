import { t } from 'elysia';
import { Int, Nullable, OneOf, Time } from '../http/models.ts';
import { ServerHealth } from '../servers/models.ts';

const Count = (description: string) => Int({ minimum: 0, description });

/** What a pool (or the whole fleet) holds and can still take. */
const Capacity = {
  hosts: Count('Hosts counted (a pool: its members, with any named in the policy but never heard from)'),
  healthy: Count('Online and healthy'),
  unhealthy: Count('Online, but health says unhealthy'),
  offline: Count('No update within server_offline_after, or never heard from'),
  draining: Count('Marked to take no new sessions, whatever their status'),
  inUse: Count('Live sessions on these hosts'),
  free: Count('Places for new sessions: on each healthy host that is not draining, its cap minus its virtual sessions where a cap is known, else 1 while it holds no session'),
  capped: Count('Of the hosts counted in free, those whose session cap is known'),
  gpu: Nullable(
    t.Object(
      { count: Count('GPUs reported'), memoryUsedMiB: Count('GPU memory in use, MiB'), memoryTotalMiB: Count('GPU memory, MiB') },
      { description: 'Summed over the online hosts that report GPUs; null when none does' },
    ),
  ),
};

export const AttentionHost = t.Object({
  id: t.String(),
  severity: OneOf(['critical', 'warning', 'notice']),
  reasons: t.Array(
    t.Object({
      code: OneOf(['OFFLINE', 'UNHEALTHY', 'STALE', 'AT_CAP', 'HIGH_LOAD', 'DRAINING_WITH_SESSIONS', 'NEAR_CAP']),
      message: t.String(),
    }),
    { description: 'Most severe first' },
  ),
  status: OneOf(['healthy', 'unhealthy', 'offline']),
  drained: t.Boolean(),
  health: ServerHealth,
  sessions: Count('Live sessions on it'),
  lastSeen: Time(),
});

/** GET /v1/admin/overview. */
export const OverviewAnswer = t.Object({
  generatedAt: Time(),
  director: t.Object(
    { name: t.String({ description: 'Host name and port' }), startedAt: Time({ description: 'Its history starts here' }) },
    { description: 'The director answering: each director reports its own view' },
  ),
  fleet: t.Object(Capacity, { description: 'Every active host' }),
  pools: t.Array(t.Object({ id: t.String(), description: t.String(), ...Capacity }), { description: 'Pools of the policy, by id' }),
  attention: t.Object({
    total: Count('Hosts that need attention, in all'),
    hosts: t.Array(AttentionHost, { description: 'The first 20 of them: most severe first, then most sessions, then by id' }),
  }),
  history: t.Object(
    {
      intervalSeconds: Int({ description: 'One sample per interval' }),
      times: t.Array(Int(), { description: 'Unix time in seconds of each sample, oldest first' }),
      sessions: t.Array(Int(), { description: 'Live sessions at each sample' }),
      healthyHosts: t.Array(Int(), { description: 'Hosts online and healthy at each sample' }),
      hosts: t.Array(Int(), { description: 'Active hosts known at each sample' }),
    },
    { description: 'The last 24 hours sampled once a minute by this director since it started (in memory only)' },
  ),
});
