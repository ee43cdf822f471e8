/** Wire shapes of the director's API as the web app reads them (fields it does not use are omitted). */
import type { AgentStats } from '../shared/api/agent-wire.ts';
export type Role = 'user' | 'admin';

export interface Me {
  user: string;
  role: Role;
  groups: string[];
  expiresAt: string | number;
}

export type SessionType = 'console' | 'virtual';

export interface Session {
  id: string;
  serverId: string;
  owner: string;
  type: SessionType;
  numOfConnections: number;
  creationTime?: string | null;
  lastDisconnectionTime?: string | null;
  status?: string;
  pool?: string | null;
  /** Admin lists: the agent of its server was revoked. */
  orphaned?: boolean;
  /** Admin lists: the owner may not use that server under the policy and the director did not create it. */
  unmanaged?: boolean;
}

/** The agent's stats as the director passes them on (shared wire type, snake_case). */
export type ServerStats = Omit<AgentStats, 'hostname'>;

/** Whether placement may use a server, and why not (reason/message only when unhealthy). */
export interface ServerHealth {
  status: 'healthy' | 'unhealthy';
  reason?: string;
  message?: string;
  since: string;
}

export interface UserServer {
  id: string;
  online: boolean;
  /** null for a server the director has never heard from. */
  health: ServerHealth | null;
  tags: string[];
  stats: ServerStats | null;
  lastSeen: string | null;
  sessions: Session[];
  stale?: boolean;
}

export interface PoolMember {
  id: string;
  online: boolean;
  health: ServerHealth | null;
  sessionCount: number;
}

export interface UserPool {
  id: string;
  description: string;
  members: PoolMember[];
  online: number;
  sessions: Session[];
}

export interface UserServers {
  servers: UserServer[];
  pools: UserPool[];
}

export interface StartResult {
  session: Session;
  reconnected: boolean;
}

export interface Connection {
  sessionId: string;
  serverId: string;
  host: string;
  port: number;
  authToken: string;
  expiresAt: string;
  webUrl: string;
  dcvUri: string;
  dcvFileUrl: string;
}

export type AgentState = 'pending' | 'registered' | 'revoked';

export interface Agent {
  guid: string;
  hostname: string;
  state: AgentState;
  csrFingerprint: string | null;
  certSerial: string | null;
  certNotAfter: string | null;
  remoteAddress: string | null;
  createdAt: string;
  approvedAt: string | null;
  approvedBy: string | null;
  revokedAt: string | null;
  lastSeen: string | null;
  keyChangePending: boolean;
  /** Live sessions on this agent's server. */
  sessionCount?: number;
  /** Pending again after it was registered with this same key (certificate expired or lost). */
  returning?: boolean;
}

export interface AdminServer {
  id: string;
  guid: string;
  online: boolean;
  address: string;
  agentPort: number;
  tags: string[];
  stats: ServerStats | null;
  lastSeen: string | null;
  version: string | null;
  health: ServerHealth;
  sessions: Session[];
  /** Loaded from the store after a director restart and not updated by its agent since. */
  stale?: boolean;
  dcvError?: string | null;
}

export interface PolicyView {
  status: { loadedAt: string | null; lastAttemptAt: string | null; lastError: string | null; files: unknown };
  documents: { users: unknown; pools: unknown };
}

export interface AuditEvent {
  id: number | string;
  time: string;
  /** Epoch ms; older directors send this instead of `time`. */
  at?: number;
  type: string;
  actor: string | null;
  target: string | null;
  clientAddress: string | null;
  backend: string | null;
  outcome: string;
  detail: unknown;
}

export interface TotpStatus {
  enabled: boolean;
  enrolled: boolean;
}
