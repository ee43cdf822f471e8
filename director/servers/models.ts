import { t } from 'elysia';
import { AgentStats } from '../../shared/api/agent-wire.ts';
import { Gpu, HostInfo } from '../../shared/api/host-facts.ts';
import { Int, Nullable, OneOf, Time } from '../http/models.ts';
import { ServerDcvCheck } from './dcv-check.ts';

// An agent's host figures are the agent protocol's model, passed on as the agent sent them.
export { AgentStats };

/** Whether placement may use a server, and why not (reason/message only when unhealthy). */
export const ServerHealth = t.Object({
  status: OneOf(['healthy', 'unhealthy']),
  reason: t.Optional(t.String({ examples: ['DCV_UNAVAILABLE', 'DCV_MISCONFIGURED', 'DCV_TIMEOUT', 'AGENT_UNREACHABLE', 'LICENSES_EXHAUSTED', 'MISCONFIGURED_TIMEOUTS'] })),
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

/** Users see only that a server is in maintenance: no new sessions there, running ones reconnect. */
const InMaintenance = t.Boolean({ description: 'An admin drained it: no new sessions there; running ones stay and can be reconnected' });

export const UserServer = t.Object({
  id: t.String(),
  online: t.Boolean(),
  stale: t.Boolean({ description: 'Loaded at director start and not updated by its agent since' }),
  maintenance: InMaintenance,
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
  maintenance: InMaintenance,
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

/** An admin's drain mark: the server takes no new sessions until it is opened again. */
export const Maintenance = t.Object({
  since: Time(),
  by: t.String({ description: 'The admin who drained it' }),
  reason: Nullable(t.String()),
});

export const AdminServer = t.Object({
  id: t.String(),
  guid: t.String(),
  online: t.Boolean(),
  stale: t.Boolean(),
  maintenance: Nullable(Maintenance),
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
  maxVirtualSessions: Nullable(Int({ description: "The agent's max_virtual_sessions; null: no limit" })),
  consoleOnly: t.Optional(t.Literal(true, { description: 'The host runs console sessions only (DCV on Windows): no virtual session is placed there' })),
  dcvCheck: t.Optional(ServerDcvCheck),
  sessions: t.Array(AdminSessionView),
});

/** GET /v1/servers (admin). */
export const AdminServers = t.Object({ servers: t.Array(AdminServer) });

export const ServerIdParams = t.Object({ id: t.String({ maxLength: 253 }) });

/** Printable text for the audit: no control characters (no line breaks). */
const reasonText = (options: { description: string }) => t.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]*$', ...options });

/** POST /v1/servers/{id}/drain: the reason is optional (an empty body drains too). */
export const DrainBody = t.Object({ reason: t.Optional(reasonText({ description: 'Shown to admins and kept in the audit' })) });
/** POST /v1/servers/{id}/drain and /open: the server as it is now; `changed` false when it already was so. */
export const MaintenanceAnswer = t.Object({ changed: t.Boolean({ description: 'False when the server already was drained (or open): nothing written, nothing audited' }), server: AdminServer });

/** POST /v1/servers/{id}/close-sessions. */
export const CloseSessionsBody = t.Object({ reason: reasonText({ description: 'Kept in the audit of every session closed' }) });
export const CloseSessionsAnswer = t.Object({
  closed: t.Array(t.String(), { description: 'Session ids closed (or already gone on the host)' }),
  failed: t.Array(t.Object({ sessionId: t.String(), code: t.String(), message: t.String() })),
});
