import { ApiError } from '../../shared/errors.ts';
import type { Clock } from '../../shared/clock.ts';
import type { RuntimeState, SessionEntry } from '../servers/runtime-state.ts';
import type { TokenService } from '../tokens/token-service.ts';

/**
 * Connection tokens: PASETO bound to user, server and session, valid a few minutes, and limited-use
 * (PROTOCOLS.md 1: ideally single- or limited-use). DCV server checks each through authtokenverify.
 */
export class ConnectionTokens {
  /** jti -> { uses so far, expiry }: counts uses; entries go once their token expired. */
  private readonly uses = new Map<string, { count: number; expiresAt: number }>();

  constructor(
    private readonly tokens: TokenService,
    private readonly state: RuntimeState,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxUses: number,
  ) {}

  issue(session: SessionEntry) {
    return this.tokens.issueConnection({ sub: session.owner, sessionId: session.id, serverId: session.serverId, ttlMs: this.ttlMs });
  }

  /**
   * The user a token lets into `sessionId`, or undefined: a token for another session, an expired,
   * tampered or over-used one, or one for a session that no longer exists (closed) is refused.
   */
  async verify(token: string, sessionId: string): Promise<string | undefined> {
    this.sweep();
    let claims;
    try {
      claims = await this.tokens.verifyConnection(token);
    } catch (err) {
      if (err instanceof ApiError) return undefined;
      throw err;
    }
    if (claims.sessionId !== sessionId) return undefined;
    const session = this.state.session(sessionId);
    if (!session || session.serverId !== claims.serverId || session.owner !== claims.sub) return undefined;
    const used = this.uses.get(claims.jti) ?? { count: 0, expiresAt: Date.parse(claims.exp) };
    if (used.count >= this.maxUses) return undefined;
    used.count++;
    this.uses.set(claims.jti, used);
    return claims.sub;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [jti, u] of this.uses) if (u.expiresAt < now) this.uses.delete(jti);
  }
}
