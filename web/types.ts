/**
 * Wire shapes of the director's API as the web app reads them, derived from the `t` models the
 * director's routes declare (director/<feature>/models.ts): when an answer changes shape there, web
 * code that still reads the old shape fails `npm run typecheck`. Type-only imports: nothing of the
 * director ends up in the browser bundle.
 */
import type { Static } from 'elysia';
import type { AgentList, AgentState as AgentStateModel, BulkAnswer } from '../director/agents/models.ts';
import type { JoinTokenView } from '../director/agents/join-token-models.ts';
import type { ApiClientView } from '../director/api-clients/models.ts';
import type { LoginAnswer, MeAnswer } from '../director/login/models.ts';
import type { AuditEvent as AuditEventModel } from '../director/audit/models.ts';
import type { OverviewAnswer } from '../director/overview/models.ts';
import type { ExplainAnswer, PolicyAnswer } from '../director/policy/models.ts';
import type {
  AdminServer as AdminServerModel,
  AdminSessionView,
  AgentStats,
  PoolMember as PoolMemberModel,
  ServerHealth as ServerHealthModel,
  SessionType as SessionTypeModel,
  UserPool as UserPoolModel,
  UserServer as UserServerModel,
  UserServers as UserServersModel,
} from '../director/servers/models.ts';
import type { ConnectionAnswer } from '../director/sessions/models.ts';
import type { SharesAnswer } from '../director/sharing/models.ts';

export type Role = Static<typeof LoginAnswer>['role'];

/** Who is logged in: GET /v1/me, or the login answer (which has no authTime). */
export type Me = Static<typeof LoginAnswer> & Partial<Pick<Static<typeof MeAnswer>, 'authTime'>>;

export type SessionType = Static<typeof SessionTypeModel>;
/** A session; admin lists also flag `unmanaged` (only an agent vouches for it). */
export type Session = Static<typeof AdminSessionView>;

/** The agent's stats as the director passes them on (snake_case). */
export type ServerStats = Static<typeof AgentStats>;

/** Whether placement may use a server, and why not (reason/message only when unhealthy). */
export type ServerHealth = Static<typeof ServerHealthModel>;

export type UserServer = Static<typeof UserServerModel>;
export type PoolMember = Static<typeof PoolMemberModel>;
export type UserPool = Static<typeof UserPoolModel>;
export type UserServers = Static<typeof UserServersModel>;
export type Connection = Static<typeof ConnectionAnswer>;
/** GET /v1/user/shares: sessions shared with the caller, and the shares the caller made. */
export type Shares = Static<typeof SharesAnswer>;
export type ShareRole = Shares['myShares'][number]['role'];

export type AgentState = Static<typeof AgentStateModel>;
type AgentEntry = Static<typeof AgentList>['agents'][number];
/** A registration in GET /v1/admin/agents; sessionCount may be missing from older directors. */
export type Agent = Omit<AgentEntry, 'sessionCount'> & Partial<Pick<AgentEntry, 'sessionCount'>>;
export type BulkResult = Static<typeof BulkAnswer>;
/** A join token in GET /v1/admin/join-tokens (never its secret). */
export type JoinToken = Static<typeof JoinTokenView>;
/** An API client in GET /v1/admin/api-clients (never its secret). */
export type ApiClient = Static<typeof ApiClientView>;

export type AdminServer = Static<typeof AdminServerModel>;
export type PolicyView = Static<typeof PolicyAnswer>;
export type PolicyExplanation = Static<typeof ExplainAnswer>;
export type AuditEvent = Static<typeof AuditEventModel>;

/** GET /v1/admin/overview; Capacity is the fleet's or a pool's figures, AttentionHost a host of the attention list. */
export type Overview = Static<typeof OverviewAnswer>;
export type Capacity = Overview['fleet'];
export type AttentionHost = Overview['attention']['hosts'][number];
