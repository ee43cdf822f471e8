import type { Clock } from '../../shared/clock.ts';
import { ApiError, forbidden } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { ApiClientRecord, ApiScope } from '../api-clients/store.ts';
import type { AuditLog } from '../audit/types.ts';
import type { ConnectionTokens } from '../dcv/connection-tokens.ts';
import type { DcvEndpoint } from '../dcv/connection.ts';
import { poolHas } from '../policy/evaluate.ts';
import type { PolicyHolder } from '../policy/holder.ts';
import type { ServerMaintenance } from '../servers/maintenance.ts';
import { isLive, type ServerEntry, type SessionEntry } from '../servers/records.ts';
import type { RuntimeState } from '../servers/runtime-state.ts';
import type { SessionService } from '../sessions/service.ts';
import type { SharingService } from '../sharing/service.ts';
import type { SessionThumbnails } from '../thumbnails/thumbnails.ts';
import type { SessionRequest, SessionRequestStore } from './request-store.ts';

/** What the Session Manager operations work through: the director's own services, nothing of their own. */
export interface SessionManagerDeps {
  state: RuntimeState;
  policy: PolicyHolder;
  sessions: SessionService;
  sharing: SharingService;
  maintenance: ServerMaintenance;
  connections: ConnectionTokens;
  thumbnails: SessionThumbnails;
  findSession: (id: string) => Promise<SessionEntry | undefined>;
  endpoint: (server: ServerEntry) => DcvEndpoint;
  offlineAfterMs: number;
  audit: AuditLog;
  /** Creates answered and still placing, failed creates, deletes: what describeSessions shows beside the session rows. */
  requests: SessionRequestStore;
  clock: Clock;
  log: Logger;
  /** Counts each createSessions item whose placement failed after the answer (metrics). */
  onCreateFailed?: () => void;
}

/** 403 INSUFFICIENT_SCOPE unless the client holds `scope`. */
export function requireScope(client: ApiClientRecord, scope: ApiScope): void {
  if (!client.scopes.includes(scope)) throw forbidden('INSUFFICIENT_SCOPE', `this operation needs the ${scope} scope`);
}

/** Whether the client may act for this session owner (its `users` limit). */
export const actsFor = (client: ApiClientRecord, owner: string): boolean => client.users === null || client.users.includes(owner);

/**
 * Whether the client may create sessions for `owner` in its pools where the policy does not let the owner
 * use them (its owners limit, set by an admin: user names or "*"); the policy alone decides otherwise.
 */
export const createsBeyondPolicy = (client: ApiClientRecord, owner: string): boolean => client.owners !== null && (client.owners.includes('*') || client.owners.includes(owner));

/** Whether the client sees a session: live, not orphaned, an owner it acts for, placed through a pool it may use (with a pool limit). */
export function seesSession(client: ApiClientRecord, session: SessionEntry): boolean {
  if (!isLive(session) || session.orphaned || !actsFor(client, session.owner)) return false;
  return client.pools === null || (session.pool !== undefined && client.pools.includes(session.pool));
}

/** Whether the client sees a request: one it made, or an owner it acts for placed in a pool it may use. */
export function seesRequest(client: ApiClientRecord, request: SessionRequest): boolean {
  if (request.clientId === client.id) return true;
  if (!actsFor(client, request.owner)) return false;
  return client.pools === null || (request.pool !== undefined && client.pools.includes(request.pool));
}

/** Whether the client sees a server: any, or a member of a pool it may use. */
export function seesServer(deps: Pick<SessionManagerDeps, 'policy' | 'state'>, client: ApiClientRecord, serverId: string): boolean {
  const known = (id: string) => deps.state.server(id) !== undefined;
  if (!known(serverId)) return false;
  return client.pools === null || client.pools.some((pool) => poolHas(deps.policy.current, pool, serverId, known));
}

/** A session the client sees, by id, or undefined (never telling whether another client's exists). */
export async function visibleSession(deps: SessionManagerDeps, client: ApiClientRecord, sessionId: string): Promise<SessionEntry | undefined> {
  const session = await deps.findSession(sessionId).catch(() => undefined);
  return session && seesSession(client, session) ? session : undefined;
}

/** One item of a request refused, with the reason its UnsuccessfulList entry gives. */
export class ItemFailure extends Error {}

/** An error's text for an UnsuccessfulList FailureReason: the reason, or the stable code and what went wrong (never an internal error's text). */
export function failureReason(err: unknown): string {
  if (err instanceof ItemFailure) return err.message;
  return err instanceof ApiError ? `${err.code}: ${err.message}` : 'INTERNAL: the request failed; see the director log';
}
