/**
 * The director's bearer tokens: PASETO v4.local with registered claims (RFC 3339 exp/iat/nbf, random
 * jti). Session tokens log a user in; connection tokens let DCV verify one connection to one server.
 * Each kind carries a `purpose` claim AND its own implicit assertion, so one kind never decrypts as the
 * other even if a claim check were forgotten.
 */
import { ClaimValidationError, type Claims } from 'paseto';
import type { Clock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import { decryptV4Local, encryptV4Local } from './paseto-v4-local.ts';

type Purpose = 'session' | 'connection' | 'enrolment' | 'api';
const IMPLICIT: Record<Purpose, string> = {
  session: 'dcvix-director/session-token/v1',
  connection: 'dcvix-director/connection-token/v1',
  // An API client's OAuth2 access token (Session Manager API): never a user's session nor a DCV connection.
  api: 'dcvix-director/api-client-token/v1',
  // Proof that a user's password was right while their second factor is not enrolled yet.
  enrolment: 'dcvix-director/totp-enrolment-token/v1',
};

/** Registered claims every director token carries (times are RFC 3339 strings). */
export interface RegisteredClaims {
  sub: string;
  exp: string;
  iat: string;
  jti: string;
}

/** A verified login session. */
export interface SessionClaims extends RegisteredClaims {
  role: 'user' | 'admin';
  groups: string[];
  /** RFC 3339: when the password login this token descends from happened (a renewal keeps it). */
  authTime: string;
}

/** A verified permission to open one DCV session on one server. */
export interface ConnectionClaims extends RegisteredClaims {
  sessionId: string;
  serverId: string;
}

/** A verified API client access token: `sub` is the client id. */
export type ApiClaims = RegisteredClaims;

/** A freshly issued token; `expiresAt` is epoch milliseconds on the service's clock. */
export interface IssuedToken {
  token: string;
  expiresAt: number;
}

/** 32 random bytes: the ephemeral token key used when the config leaves `token_key` unset. */
export function generateTokenKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

const invalid = (message = 'token is not valid') => new ApiError(401, 'TOKEN_INVALID', message);
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Checks every authenticated request makes beyond the token's own validity (see http/guards.ts). */
export interface SessionChecks {
  /** Logged out, or signed out everywhere after this token's login. */
  isRevoked(claims: SessionClaims): boolean;
  /** Admin under the current policy (the token's groups are the login backend's). */
  isAdmin(user: string, groups: readonly string[]): boolean;
}

/** Issues and verifies session and connection tokens under one symmetric key and an injected clock. */
export class TokenService {
  /** What guards consult on every request beyond the token itself (absent: nothing more; unit tests). */
  readonly sessionChecks?: SessionChecks;

  private readonly key: Uint8Array;
  /** Keys tokens are still accepted under after a rotation (never used to issue). */
  private readonly previousKeys: Uint8Array[];
  private readonly clock: Clock;

  constructor(opts: { key: Uint8Array; clock: Clock; previousKeys?: Uint8Array[]; sessionChecks?: SessionChecks }) {
    for (const candidateKey of [opts.key, ...(opts.previousKeys ?? [])]) {
      if (!(candidateKey instanceof Uint8Array) || candidateKey.byteLength !== 32) throw new TypeError('token key must be 32 bytes');
    }
    this.key = Uint8Array.from(opts.key);
    this.previousKeys = (opts.previousKeys ?? []).map((k) => Uint8Array.from(k));
    this.clock = opts.clock;
    this.sessionChecks = opts.sessionChecks;
  }

  /** Issues a session token for a logged-in user; `authTime` (RFC 3339) defaults to now (a fresh login). */
  async issueSession(input: { sub: string; role: 'user' | 'admin'; groups?: string[]; ttlMs: number; authTime?: string }): Promise<IssuedToken> {
    const { token, expiresAt } = await this.issue('session', input.ttlMs, {
      sub: input.sub,
      role: input.role,
      groups: [...(input.groups ?? [])],
      authTime: input.authTime ?? new Date(this.clock.now()).toISOString(),
    });
    return { token, expiresAt };
  }

  /**
   * A fresh session token for a still-valid one, keeping its authTime. Refused with 401 SESSION_EXPIRED
   * once `absoluteMaxMs` has passed since the password login; the new token never outlives that limit.
   */
  async renewSession(current: SessionClaims, input: { ttlMs: number; absoluteMaxMs: number }): Promise<IssuedToken & { ttlMs: number }> {
    const now = this.clock.now();
    const deadline = Date.parse(current.authTime) + input.absoluteMaxMs;
    if (!Number.isFinite(deadline) || deadline <= now) throw new ApiError(401, 'SESSION_EXPIRED', 'sign-in is too old to renew; log in again');
    const ttlMs = Math.min(input.ttlMs, deadline - now);
    const issued = await this.issueSession({ sub: current.sub, role: current.role, groups: current.groups, ttlMs, authTime: current.authTime });
    return { ...issued, ttlMs };
  }

  /** Verifies a session token; throws ApiError 401 TOKEN_INVALID or TOKEN_EXPIRED. */
  async verifySession(token: string): Promise<SessionClaims> {
    const claims = await this.verify('session', token);
    const groups = claims.groups;
    if ((claims.role !== 'user' && claims.role !== 'admin') || !Array.isArray(groups) || !groups.every(isString)) throw invalid();
    // Tokens from before authTime existed count as logged in when issued.
    const authTime = isString(claims.authTime) && !Number.isNaN(Date.parse(claims.authTime)) ? claims.authTime : claims.iat;
    return { sub: claims.sub, role: claims.role, groups: [...groups], exp: claims.exp, iat: claims.iat, jti: claims.jti, authTime };
  }

  /** Issues a connection token DCV presents back to the director's auth-token verifier. */
  async issueConnection(input: { sub: string; sessionId: string; serverId: string; ttlMs: number }): Promise<IssuedToken & { jti: string }> {
    return this.issue('connection', input.ttlMs, { sub: input.sub, sessionId: input.sessionId, serverId: input.serverId });
  }

  /** Verifies a connection token; throws ApiError 401 TOKEN_INVALID or TOKEN_EXPIRED. */
  async verifyConnection(token: string): Promise<ConnectionClaims> {
    const claims = await this.verify('connection', token);
    if (!isString(claims.sessionId) || !isString(claims.serverId)) throw invalid();
    return { sub: claims.sub, sessionId: claims.sessionId, serverId: claims.serverId, exp: claims.exp, iat: claims.iat, jti: claims.jti };
  }

  /** Issues an API client's access token (OAuth2 client credentials); `sub` is the client id. */
  async issueApi(input: { sub: string; ttlMs: number }): Promise<IssuedToken> {
    const { token, expiresAt } = await this.issue('api', input.ttlMs, { sub: input.sub });
    return { token, expiresAt };
  }

  /** Verifies an API client's access token; throws ApiError 401 TOKEN_INVALID or TOKEN_EXPIRED. */
  async verifyApi(token: string): Promise<ApiClaims> {
    const { sub, exp, iat, jti } = await this.verify('api', token);
    return { sub, exp, iat, jti };
  }

  /** Issues a short-lived token that only allows TOTP enrolment for `sub`. */
  async issueEnrolment(input: { sub: string; ttlMs: number }): Promise<IssuedToken> {
    const { token, expiresAt } = await this.issue('enrolment', input.ttlMs, { sub: input.sub });
    return { token, expiresAt };
  }

  /** Verifies an enrolment token; returns the user it was issued to. */
  async verifyEnrolment(token: string): Promise<string> {
    return (await this.verify('enrolment', token)).sub;
  }

  private async issue(purpose: Purpose, ttlMs: number, claims: Claims & { sub: string }) {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number');
    if (!isString(claims.sub)) throw new TypeError('sub must be a non-empty string');
    const now = this.clock.now();
    const expiresAt = now + ttlMs;
    const jti = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
    const iso = (ms: number) => new Date(ms).toISOString();
    const token = await encryptV4Local(this.key, { ...claims, purpose, iat: iso(now), nbf: iso(now), exp: iso(expiresAt), jti }, { implicit: IMPLICIT[purpose] });
    return { token, expiresAt, jti };
  }

  /** Current key first; after a rotation, tokens under a previous key stay valid until they expire. */
  private async decrypt(purpose: Purpose, token: string): Promise<Claims> {
    const options = { implicit: IMPLICIT[purpose], now: new Date(this.clock.now()) };
    try {
      return await decryptV4Local(this.key, token, options);
    } catch (err) {
      if (err instanceof ClaimValidationError) throw err;
      for (const key of this.previousKeys) {
        try {
          return await decryptV4Local(key, token, options);
        } catch (e) {
          if (e instanceof ClaimValidationError) throw e;
        }
      }
      throw err;
    }
  }

  private async verify(purpose: Purpose, token: string): Promise<Claims & RegisteredClaims> {
    let claims: Claims;
    try {
      if (typeof token !== 'string' || token.length === 0) throw invalid();
      claims = await this.decrypt(purpose, token);
    } catch (err) {
      // Our own wording only: library messages are safe, but nothing token-derived reaches the caller.
      if (err instanceof ClaimValidationError && err.claim === 'exp') throw new ApiError(401, 'TOKEN_EXPIRED', 'token has expired');
      if (err instanceof ClaimValidationError && err.claim === 'nbf') throw invalid('token is not valid yet');
      throw invalid();
    }
    // Unreachable across purposes thanks to the implicit assertion; checked anyway as defence in depth.
    if (claims.purpose !== purpose) throw invalid('wrong token purpose');
    const { sub, exp, iat, jti } = claims;
    if (!isString(sub) || !isString(exp) || !isString(iat) || !isString(jti)) throw invalid();
    return { ...claims, sub, exp, iat, jti };
  }
}
