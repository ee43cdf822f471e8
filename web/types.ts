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

/** A server's health as the director judges it (reason and message only when unhealthy). */
export interface Health {
  status: 'healthy' | 'unhealthy';
  reason?: string;
  message?: string;
  since?: string;
}

export interface PoolMember {
  id: string;
  online: boolean;
  health?: Health;
}

/** The agent's stats as the director passes them on (shared wire type, snake_case). */
export type ServerStats = Omit<AgentStats, 'hostname'>;

export interface UserServer {
  id: string;
  online: boolean;
  tags: string[];
  stats: ServerStats | null;
  lastSeen: string | null;
  sessions: Session[];
  health?: Health;
  stale?: boolean;
}

export interface UserPool {
  id: string;
  description: string;
  /** A count (older directors) or the members the user may see. */
  members: number | PoolMember[];
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
  /** A pending registration of a GUID registered before with the same key. */
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
  sessions: Session[];
  health?: Health;
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
