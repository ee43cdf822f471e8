import { sessionCookie } from '../http/cookies.ts';
import type { TokenService } from '../tokens/token-service.ts';

/** What a sign-in without the password form needs to hand out a session. */
export interface SessionStarter {
  tokens: TokenService;
  sessionTtlMs: number;
}

/**
 * Issues the session of a finished sign-in (passkey alone, a proxy's header) into the dcvix_session
 * cookie and answers as the password login does; the token never appears in the body.
 */
export async function startSession(
  deps: SessionStarter,
  who: { user: string; role: 'user' | 'admin'; groups: string[] },
  set: { headers: Record<string, unknown> },
): Promise<{ user: string; role: 'user' | 'admin'; groups: string[]; expiresAt: string }> {
  const { token, expiresAt } = await deps.tokens.issueSession({ sub: who.user, role: who.role, groups: who.groups, ttlMs: deps.sessionTtlMs });
  set.headers['set-cookie'] = sessionCookie(token, deps.sessionTtlMs);
  set.headers['cache-control'] = 'no-store';
  return { user: who.user, role: who.role, groups: who.groups, expiresAt: new Date(expiresAt).toISOString() };
}
