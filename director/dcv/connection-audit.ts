import { createHash } from 'node:crypto';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import type { AuditEvent } from '../audit/types.ts';
import type { Verdict } from './connection-tokens.ts';

/**
 * Where DCV connection events go: a rate-limited audit log (RateLimitedAudit), whose `describe` makes
 * the detail only for events it keeps. Events: connection.token, connection.file, connection.verify,
 * connection.resolve. The connection token itself is never in an event: its id (jti), or for a token
 * that could not be read the first 12 hex digits of its SHA-256, so repeats of one bad token can be told apart.
 */
export interface ConnectionAuditLog {
  record(event: AuditEvent, describe?: () => string): void;
}

/** Fields from callers (DCV servers, gateways, clients) are cut to this. */
const FIELD_MAX = 128;
const cut = (text: string | undefined) => (text ? text.slice(0, FIELD_MAX) : undefined);
const callerOf = (request: Request) => connectionInfo(request).remoteAddress || 'unknown';

/** A connection token handed to `user` for session `session` from `request`: as JSON (`token`) or inside a .dcv file (`file`). */
export function auditTokenIssued(audit: ConnectionAuditLog, kind: 'token' | 'file', user: string, session: { id: string; serverId: string }, jti: string, request: Request): void {
  audit.record({ type: `connection.${kind}`, outcome: 'success', actor: user, target: session.id, clientAddress: callerOf(request) }, () => `token id ${jti}; server ${session.serverId}`);
}

/**
 * A DCV server's auth-token verification: success when the answer was yes. The client address is the
 * one the DCV server reports (the form's clientAddress), else the caller's; the caller (the DCV server)
 * is named in the detail with the reason. `verdict` is absent for a call without a usable session id or token.
 */
export function auditVerification(audit: ConnectionAuditLog, call: { sessionId: string; token: string; clientAddress?: string; verdict?: Verdict; request: Request }): void {
  const { verdict, token } = call;
  const caller = callerOf(call.request);
  const event: AuditEvent = { type: 'connection.verify', outcome: verdict?.user ? 'success' : 'failure', target: cut(call.sessionId), clientAddress: cut(call.clientAddress) ?? caller };
  if (verdict?.user) event.actor = verdict.user;
  audit.record(event, () => {
    const answer = verdict?.user ? 'yes' : 'no';
    const which = verdict?.jti ? `token id ${verdict.jti}` : token ? `token sha256 ${createHash('sha256').update(token).digest('hex').slice(0, 12)}` : 'no token';
    return `${answer}: ${verdict?.reason ?? 'malformed_request'}; ${which}; caller ${caller}`;
  });
}

/**
 * A gateway's session resolution: success when the session was found (the detail names where it runs),
 * else the refusal's code. The client address is the one the gateway reports (clientIpAddress), else the
 * caller's; the caller (the gateway) is named in the detail.
 */
export function auditResolution(audit: ConnectionAuditLog, call: { found: boolean; reason: string; sessionId?: string; clientAddress?: string; where?: string; request: Request }): void {
  const caller = callerOf(call.request);
  audit.record(
    { type: 'connection.resolve', outcome: call.found ? 'success' : 'failure', target: cut(call.sessionId), clientAddress: cut(call.clientAddress) ?? caller },
    () => `${call.found ? `found: ${call.where}` : `refused: ${call.reason}`}; caller ${caller}`,
  );
}
