import type { Clock } from '../../shared/clock.ts';
import type { RevocationStore } from './revocation-store.ts';

/** The claims a revocation decision needs. */
export interface RevocableClaims {
  sub: string;
  jti: string;
  exp: string;
  iat: string;
  /** RFC 3339; the password login this token (and every renewal of it) descends from. */
  authTime?: string;
}

/**
 * Session revocation, checked on every authenticated request from memory: the store is read once at
 * start (and by `refresh`, e.g. when several directors share it) and written through before a logout
 * or sign-out answers, so a revocation is durable before the user is told it happened.
 */
export class Revocations {
  private readonly revoked = new Map<string, number>();
  private readonly validAfter = new Map<string, number>();

  private constructor(
    private readonly store: RevocationStore,
    private readonly clock: Clock,
  ) {}

  /** Loads the revocations in force from the store. */
  static async open(store: RevocationStore, clock: Clock): Promise<Revocations> {
    const revocations = new Revocations(store, clock);
    await revocations.refresh();
    return revocations;
  }

  /** Re-reads the store (another director may have written to it). */
  async refresh(): Promise<void> {
    const snap = await this.store.load(this.clock.now());
    this.revoked.clear();
    for (const token of snap.tokens) this.revoked.set(token.jti, token.expiresAt);
    this.validAfter.clear();
    for (const entry of snap.validAfter) this.validAfter.set(entry.user, entry.at);
  }

  /** True when the token (or the login it was renewed from) was logged out, or its login predates the user's validAfter. */
  isRevoked(claims: RevocableClaims): boolean {
    if (this.revoked.has(claims.jti) || this.revoked.has(loginKey(claims))) return true;
    const after = this.validAfter.get(claims.sub);
    if (after === undefined) return false;
    const authTime = Date.parse(claims.authTime ?? claims.iat);
    return !(authTime >= after);
  }

  /**
   * Logout: this token is refused from now until it would have expired, and so is every token renewed
   * from the same password login (same user and authTime: an older cookie someone copied before a
   * renewal, or a newer one), until `loginUntil`, the last moment a renewal could reach. Other logins
   * of the user (other browsers) are untouched.
   */
  async revoke(c: RevocableClaims, loginUntil = Date.parse(c.exp)): Promise<void> {
    const expiresAt = Date.parse(c.exp);
    const familyUntil = Math.max(expiresAt, Number.isFinite(loginUntil) ? loginUntil : expiresAt);
    await this.store.revokeToken(c.jti, expiresAt);
    await this.store.revokeToken(loginKey(c), familyUntil);
    this.revoked.set(c.jti, expiresAt);
    this.revoked.set(loginKey(c), familyUntil);
  }

  /** Sign out everywhere: every token of `user` from a login before now is refused. */
  async signOutEverywhere(user: string): Promise<number> {
    const at = this.clock.now();
    await this.store.setValidAfter(user, at);
    this.validAfter.set(user, Math.max(at, this.validAfter.get(user) ?? 0));
    return at;
  }

  /** Housekeeping: forgets revoked ids of tokens that have expired anyway. */
  async prune(): Promise<number> {
    const now = this.clock.now();
    for (const [jti, exp] of this.revoked) if (exp <= now) this.revoked.delete(jti);
    return this.store.pruneExpired(now);
  }
}

/** The revocation-list key of one password login and its renewals (never a token id: those are UUIDs). */
function loginKey(claims: RevocableClaims): string {
  return `login:${claims.sub}:${claims.authTime ?? claims.iat}`;
}
