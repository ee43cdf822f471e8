/**
 * Where the app goes when a sign-in ends: the matching sign-in page, saying why (expired or signed
 * out elsewhere), with `next` so signing in again returns to the same page.
 */
import type { ApiError } from './api.ts';
import { queryClient } from './query.ts';
import { queryKeys } from './query-keys.ts';
import { navigate } from './router.ts';

export type EndReason = 'expired' | 'revoked' | 'signed-out';

const isLogin = (path: string) => path === '/login' || path === '/admin/login';

/** The reason for a 401 code; a plain UNAUTHENTICATED after the known expiry time is an expiry (the cookie died with the token). */
export function endReason(code: ApiError['code']): EndReason {
  if (code === 'SESSION_EXPIRED') return 'expired';
  if (code === 'SESSION_REVOKED') return 'revoked';
  const exp = queryClient.getQueryData(queryKeys.me)?.expiresAt;
  return exp !== undefined && new Date(exp).getTime() <= Date.now() ? 'expired' : 'signed-out';
}

/** Forgets every cached answer and shows the sign-in form, unless it is already showing. */
export function endSession(reason: EndReason): void {
  const here = location.hash.replace(/^#/, '') || '/';
  if (isLogin(here.split('?')[0]!)) return;
  queryClient.clear();
  const params = new URLSearchParams({ next: here });
  if (reason !== 'signed-out') params.set('reason', reason);
  navigate(`${here.startsWith('/admin') ? '/admin/login' : '/login'}?${params}`, true);
}
