import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ErrorCode } from '../../shared/api/error-codes.ts';
import { formatJoinToken, parseJoinToken } from '../../shared/api/join-token.ts';
import type { Clock } from '../../shared/clock.ts';
import { ApiError, badRequest, conflict, notFound } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { checkOptions } from '../../shared/options.ts';
import type { AuditLog } from '../audit/types.ts';
import { hostnameMatches, isHostnamePattern } from './hostname-pattern.ts';
import type { JoinTokenRecord, JoinTokenStore } from './join-token-store.ts';

/** Why a presented join token admits nobody; each is a stable code of the registration's answer. */
export type JoinTokenRefusal = Extract<ErrorCode, 'JOIN_TOKEN_INVALID' | 'JOIN_TOKEN_EXPIRED' | 'JOIN_TOKEN_USED_UP' | 'JOIN_TOKEN_REVOKED' | 'JOIN_TOKEN_HOSTNAME_MISMATCH'>;

/** Where a token stands: only an active one admits. */
export type JoinTokenState = 'active' | 'revoked' | 'expired' | 'used-up';

const REFUSAL_OF: Record<Exclude<JoinTokenState, 'active'>, JoinTokenRefusal> = { revoked: 'JOIN_TOKEN_REVOKED', expired: 'JOIN_TOKEN_EXPIRED', 'used-up': 'JOIN_TOKEN_USED_UP' };

/** What check() found: the token that would admit this host, or why not (with the id, when one was given). */
export type JoinTokenVerdict = { admits: JoinTokenRecord } | { refusal: JoinTokenRefusal; id?: string };

/** The agent registering, as the audit names it. */
export interface Registrant {
  guid: string;
  hostname: string;
  remoteAddress: string;
}

export interface JoinTokensOptions {
  store: JoinTokenStore;
  clock: Clock;
  audit: AuditLog;
  log: Logger;
}

export interface JoinTokenLimits {
  expiresInSeconds: number;
  uses: number;
  /** Glob the registering host name must match; empty or absent = any host. */
  hostnamePattern?: string;
}

const MESSAGES: Record<JoinTokenRefusal, string> = {
  JOIN_TOKEN_INVALID: 'join token not recognised',
  JOIN_TOKEN_EXPIRED: 'join token has expired',
  JOIN_TOKEN_USED_UP: 'join token has no uses left',
  JOIN_TOKEN_REVOKED: 'join token was revoked',
  JOIN_TOKEN_HOSTNAME_MISMATCH: "this host name does not match the join token's host name pattern",
};

const sha256 = (secret: Uint8Array) => new Uint8Array(createHash('sha256').update(secret).digest());

/**
 * Join tokens: an admin makes one (a number of uses, an expiry, optionally a host-name glob); agents
 * presenting it at registration are admitted without approval while it is valid. Only the SHA-256 of
 * its 256-bit random secret is stored (a slow hash adds nothing against a guess at 2^256), compared in
 * constant time. Every creation, use, refused use and revocation is audited, never with the secret.
 */
export class JoinTokens {
  private readonly o: JoinTokensOptions;

  constructor(options: JoinTokensOptions) {
    this.o = checkOptions('JoinTokens', options, { store: 'object', clock: 'object', audit: 'object', log: 'object' });
  }

  /** A new token; its text form (with the secret) is returned this once and never again. */
  async create(limits: JoinTokenLimits, admin: string): Promise<{ token: string; record: JoinTokenRecord }> {
    const hostnamePattern = limits.hostnamePattern?.trim() ?? '';
    if (hostnamePattern && !isHostnamePattern(hostnamePattern)) throw badRequest('INVALID_HOSTNAME_PATTERN', 'hostnamePattern must be a host-name glob (letters, digits, -, ., *, ?, [..], {..})');
    const id = randomBytes(8).toString('hex');
    const secret = new Uint8Array(randomBytes(32));
    const now = this.o.clock.now();
    const fresh = { id, secretHash: sha256(secret), hostnamePattern, uses: limits.uses, expiresAt: now + limits.expiresInSeconds * 1000, createdAt: now, createdBy: admin };
    await this.o.store.create(fresh);
    const record: JoinTokenRecord = { ...fresh, used: 0, revokedAt: null, revokedBy: null, lastUsedAt: null };
    this.o.audit.record({ type: 'join-token.create', actor: admin, target: id, outcome: 'success', detail: describe(record) });
    this.o.log.info('join token created', { id, uses: record.uses, expiresAt: new Date(record.expiresAt).toISOString(), by: admin });
    return { token: formatJoinToken(id, secret), record };
  }

  /** Every token, newest first (revoked, expired and used-up ones too, for the record). */
  list(): Promise<JoinTokenRecord[]> {
    return this.o.store.list();
  }

  /** Revokes a token: it admits nobody from now on, on every director. */
  async revoke(id: string, admin: string): Promise<JoinTokenRecord> {
    const revoked = await this.o.store.revoke(id, admin, this.o.clock.now());
    if (!revoked) {
      if (await this.o.store.get(id)) throw conflict('INVALID_STATE', 'join token is already revoked');
      throw notFound('JOIN_TOKEN_NOT_FOUND', 'no such join token');
    }
    this.o.audit.record({ type: 'join-token.revoke', actor: admin, target: id, outcome: 'success', detail: `${revoked.used} of ${revoked.uses} uses made` });
    return revoked;
  }

  /** Whether the token in `text` would admit this host now (nothing is used up or recorded). */
  async check(text: string, hostname: string): Promise<JoinTokenVerdict> {
    const parsed = parseJoinToken(text);
    if (!parsed) return { refusal: 'JOIN_TOKEN_INVALID' };
    const record = await this.o.store.get(parsed.id);
    // Until the secret matches, every failure looks the same: ids cannot be probed for their state.
    if (!record || !timingSafeEqual(record.secretHash, sha256(parsed.secret))) return { refusal: 'JOIN_TOKEN_INVALID', id: parsed.id };
    const state = this.stateOf(record);
    if (state !== 'active') return { refusal: REFUSAL_OF[state], id: record.id };
    if (record.hostnamePattern && !hostnameMatches(record.hostnamePattern, hostname)) return { refusal: 'JOIN_TOKEN_HOSTNAME_MISMATCH', id: record.id };
    return { admits: record };
  }

  /** Audits a refused use and returns the 403 to answer with (its message holds no part of the token). */
  refuse(verdict: { refusal: JoinTokenRefusal; id?: string }, who: Registrant): ApiError {
    this.o.audit.record({ type: 'join-token.refuse', target: verdict.id, clientAddress: who.remoteAddress, outcome: 'failure', detail: `${verdict.refusal}: ${who.hostname} (${who.guid})` });
    this.o.log.warn('join token refused', { id: verdict.id, code: verdict.refusal, guid: who.guid, hostname: who.hostname });
    return new ApiError(403, verdict.refusal, `${MESSAGES[verdict.refusal]}; register without it and wait for approval`);
  }

  /**
   * Takes one use of a token check() passed, atomically (several directors may race for the last one).
   * @throws the audited refusal when the token changed since the check (revoked, expired, used up)
   */
  async use(token: JoinTokenRecord, who: Registrant): Promise<void> {
    const used = await this.o.store.consume(token.id, this.o.clock.now());
    if (!used) {
      // Lost the race for its last use, or revoked or expired since the check: say which.
      const state = await this.o.store.get(token.id).then((now) => (now ? this.stateOf(now) : 'revoked'));
      throw this.refuse({ refusal: REFUSAL_OF[state === 'active' ? 'used-up' : state], id: token.id }, who);
    }
    this.o.audit.record({
      type: 'join-token.use',
      target: token.id,
      clientAddress: who.remoteAddress,
      outcome: 'success',
      detail: `${who.hostname} (${who.guid}) admitted; ${used.used} of ${used.uses} uses made`,
    });
    this.o.log.info('join token used', { id: token.id, guid: who.guid, hostname: who.hostname, used: used.used, uses: used.uses });
  }

  /** Revoked, expired, used up (in that order), or active. */
  stateOf(record: JoinTokenRecord): JoinTokenState {
    if (record.revokedAt !== null) return 'revoked';
    if (record.expiresAt <= this.o.clock.now()) return 'expired';
    if (record.used >= record.uses) return 'used-up';
    return 'active';
  }
}

/** The audit's words for a token's limits. */
const describe = (record: JoinTokenRecord) =>
  `${record.uses} use${record.uses === 1 ? '' : 's'}, expires ${new Date(record.expiresAt).toISOString()}${record.hostnamePattern ? `, hosts ${record.hostnamePattern}` : ''}`;
