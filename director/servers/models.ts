import { t } from 'elysia';
import { AgentStats } from '../../shared/api/agent-wire.ts';
import { Gpu, HostInfo } from '../../shared/api/host-facts.ts';
import { Int, Nullable, OneOf, Time } from '../http/models.ts';

// An agent's host figures are the agent protocol's model, passed on as the agent sent them.
export { AgentStats };

/** Whether placement may use a server, and why not (reason/message only when unhealthy). */
export const ServerHealth = t.Object({
  status: OneOf(['healthy', 'unhealthy']),
  reason: t.Optional(t.String({ examples: ['DCV_UNAVAILABLE', 'DCV_TIMEOUT', 'AGENT_UNREACHABLE', 'LICENSES_EXHAUSTED', 'MISCONFIGURED_TIMEOUTS'] })),
  message: t.Optional(t.String()),
  since: Time(),
});

export const SessionType = OneOf(['console', 'virtual']);

/** A session as the API shows it. */
export const SessionView = t.Object({
  id: t.String(),
  serverId: t.String(),
  owner: t.String(),
  type: SessionType,
  status: Nullable(t.String()),
  numOfConnections: Int(),
  creationTime: Nullable(t.String()),
  lastDisconnectionTime: Nullable(t.String()),
  pool: Nullable(t.String()),
  orphaned: t.Optional(t.Literal(true, { description: 'Its agent was revoked' })),
});

/** A session in admin lists: also flagged when only an agent vouches for it and the policy does not allow its owner there. */
export const AdminSessionView = t.Composite([SessionView, t.Object({ unmanaged: t.Optional(t.Literal(true)) })]);

export const UserServer = t.Object({
  id: t.String(),
  online: t.Boolean(),
  stale: t.Boolean({ description: 'Loaded at director start and not updated by its agent since' }),
  health: Nullable(ServerHealth),
  tags: t.Array(t.String()),
  stats: Nullable(AgentStats),
  lastSeen: Nullable(Time()),
  sessions: t.Array(SessionView),
});

/** A pool member as a user of the pool sees it (no details of others' sessions, only how many). */
export const PoolMember = t.Object({
  id: t.String(),
  online: t.Boolean(),
  stale: t.Boolean({ description: 'Not updated since a director restart: no new sessions there yet' }),
  health: Nullable(ServerHealth),
  sessionCount: Int(),
});

export const UserPool = t.Object({
  id: t.String(),
  description: t.String(),
  members: t.Array(PoolMember),
  online: Int({ description: 'Members online' }),
  sessions: t.Array(SessionView),
});

/** GET /v1/user/servers. */
export const UserServers = t.Object({ servers: t.Array(UserServer), pools: t.Array(UserPool) });

export const AdminServer = t.Object({
  id: t.String(),
  guid: t.String(),
  online: t.Boolean(),
  stale: t.Boolean(),
  address: t.String(),
  agentPort: Int(),
  tags: t.Array(t.String()),
  stats: Nullable(AgentStats),
  gpus: t.Optional(t.Array(Gpu, { description: 'GPUs from the last update (nvidia-smi); absent: none reported' })),
  host: t.Optional(HostInfo),
  lastSeen: Time(),
  version: Nullable(t.String()),
  health: ServerHealth,
  dcvError: Nullable(t.String()),
  dcvTimeoutMs: Nullable(Int()),
  sessions: t.Array(AdminSessionView),
});

/** GET /v1/servers (admin). */
export const AdminServers = t.Object({ servers: t.Array(AdminServer) });
