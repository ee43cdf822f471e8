import { ApiError } from '../../shared/errors.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import { checkOptions } from '../../shared/options.ts';
import type { SessionEntry } from '../servers/records.ts';
import type { TokenUseStore } from './token-uses.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { ignoredError } from '../../shared/ignored.ts';

/**
 * Connection tokens: PASETO bound to user, server and session, valid a few minutes, and limited-use
 * (docs/dcv-wire.md: ideally single- or limited-use). DCV server checks each through authtokenverify.
 * With a TokenUseStore every accepted use is counted in the store before DCV hears "yes" (write-through:
 * one row per DCV connection, not per request), so a restart, even kill -9, never grants a used-up
 * token more uses; the in-memory count only turns away what is already known to be used up.
 */
export interface ConnectionTokensOptions {
  tokens: TokenService;
  /** A live session by id: memory first, then the store. */
  findSession: (id: string) => Promise<SessionEntry | undefined>;
  clock: Clock;
  log: Logger;
  ttlMs: number;
  maxUses: number;
  /** Where uses are counted durably (absent: in memory only). */
  store?: TokenUseStore;
  /** Whether a user other than the owner may be let in (a share of the session stands); absent: owners only. */
  admits?: (session: SessionEntry, user: string) => Promise<boolean>;
}

/**
 * What the verifier answers and why: `valid` (with the user), or the refusal: expired or not a
 * connection token of ours, a token for another session, a session gone or orphaned, a session that now
 * runs on another server or for another user, uses spent, or a use the store could not count.
 */
export type VerifyReason = 'valid' | 'token_expired' | 'token_invalid' | 'wrong_session' | 'session_not_found' | 'session_orphaned' | 'token_mismatch' | 'not_shared' | 'used_up' | 'use_not_counted';

/** A verification's outcome; `jti` (the token's id, never the token) once the token could be read. */
export interface Verdict {
  user?: string;
  reason: VerifyReason;
  jti?: string;
}

export class ConnectionTokens {
  /** jti -> { uses so far, expiry }: counts uses; entries go once their token expired. */
  private readonly uses = new Map<string, { count: number; expiresAt: number }>();

  private readonly tokens: TokenService;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ttlMs: number;
  private readonly maxUses: number;
  private readonly store?: TokenUseStore;
  private readonly findSession: (id: string) => Promise<SessionEntry | undefined>;
  private readonly admits?: (session: SessionEntry, user: string) => Promise<boolean>;

  constructor(options: ConnectionTokensOptions) {
    checkOptions('ConnectionTokens', options, { tokens: 'object', findSession: 'function', clock: 'object', log: 'object', ttlMs: 'number', maxUses: 'number', store: 'object?', admits: 'function?' });
    ({ tokens: this.tokens, findSession: this.findSession, clock: this.clock, log: this.log, ttlMs: this.ttlMs, maxUses: this.maxUses, store: this.store, admits: this.admits } = options);
  }

  private lastPurge = 0;
  private lastSweep = 0;

  /** A token letting `user` (the owner unless given: an invitee of a share) into the session. */
  issue(session: SessionEntry, user: string = session.owner) {
    return this.tokens.issueConnection({ sub: user, sessionId: session.id, serverId: session.serverId, ttlMs: this.ttlMs });
  }

  /**
   * Whether a token lets its user into `sessionId` (`user` set), and why not: a token for another
   * session, an expired, tampered or over-used one, or one for a session that no longer exists (closed)
   * or is orphaned is refused; so is an invitee's once their share was taken back.
   */
  async verify(token: string, sessionId: string): Promise<Verdict> {
    this.sweep();
    let claims: Awaited<ReturnType<TokenService['verifyConnection']>>;
    try {
      claims = await this.tokens.verifyConnection(token);
    } catch (err) {
      if (err instanceof ApiError) return { reason: err.code === 'TOKEN_EXPIRED' ? 'token_expired' : 'token_invalid' };
      throw err;
    }
    const refused = (reason: VerifyReason): Verdict => ({ reason, jti: claims.jti });
    if (claims.sessionId !== sessionId) return refused('wrong_session');
    // A session created through another director a moment ago is found in the store.
    const session = await this.findSession(sessionId);
    if (!session) return refused('session_not_found');
    // An orphaned session's agent is revoked: the director no longer vouches for anything on that host.
    if (session.orphaned) return refused('session_orphaned');
    if (session.serverId !== claims.serverId) return refused('token_mismatch');
    // An invitee's token holds only while the owner's share exists (read from the store: any director may have taken it back).
    if (session.owner !== claims.sub && !(await this.admits?.(session, claims.sub))) return refused(this.admits ? 'not_shared' : 'token_mismatch');
    const used = this.uses.get(claims.jti) ?? { count: 0, expiresAt: Date.parse(claims.exp) };
    if (used.count >= this.maxUses) return refused('used_up');
    used.count++;
    this.uses.set(claims.jti, used);
    if (this.store) {
      // Fail closed: a use that cannot be counted is refused.
      const stored = await this.store.addUse(claims.jti, used.expiresAt).catch((error: unknown) => {
        ignoredError(this.log, 'connection-tokens.count', 'a token use that cannot be counted is refused', error, 'warn');
        return Number.NaN;
      });
      if (Number.isNaN(stored)) return refused('use_not_counted');
      used.count = Math.max(used.count, stored);
      if (stored > this.maxUses) return refused('used_up');
    }
    return { user: claims.sub, reason: 'valid', jti: claims.jti };
  }

  /** Forgets expired counts, at most once a second: a walk over every count on each verification would grow with the traffic. */
  private sweep(): void {
    const now = this.clock.now();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [jti, use] of this.uses) if (use.expiresAt < now) this.uses.delete(jti);
    if (this.store && now - this.lastPurge > 60_000) {
      this.lastPurge = now;
      void this.store.purgeExpired(now).catch((error: unknown) => this.log.warn('expired connection-token uses not purged; the next sweep tries again', { error }));
    }
  }
}
