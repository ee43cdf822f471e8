import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, describeError, director } from '../api.ts';
import { clockTime } from '../format.ts';
import { queryClient, useMutation } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import { endSession } from '../session-end.ts';
import type { Me } from '../types.ts';

/** The warning shows this long before the sign-in ends. */
export const WARN_BEFORE_MS = 5 * 60_000;

/** Re-renders at each of `moments` (epoch ms) as it passes. */
function useNowAt(moments: number[]): number {
  const [now, setNow] = useState(Date.now());
  const next = moments.filter((t) => t > now).sort((a, b) => a - b)[0];
  useEffect(() => {
    if (next === undefined) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.min(next - Date.now() + 50, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [next, now]);
  return now;
}

/**
 * Times the sign-in from /v1/me `expiresAt`: 5 minutes before it ends, a warning with "Stay signed in"
 * (POST /v1/renew); at the end, the sign-in form saying it expired (the cookie dies with the token, so
 * without this the app would just look signed out).
 */
export function ExpiryWatch({ me }: { me: Me }) {
  const exp = new Date(me.expiresAt).getTime();
  const now = useNowAt([exp - WARN_BEFORE_MS, exp]);
  const renew = useMutation({
    mutationFn: () => call(director.v1.renew.post(), { noSignOut: true }),
    onSuccess: (fresh) => queryClient.setQueryData(queryKeys.me, { ...me, ...fresh, groups: fresh.groups ?? me.groups }),
  });
  const ended = Number.isFinite(exp) && now >= exp;
  useEffect(() => {
    if (ended) endSession('expired');
  }, [ended]);
  const refused = renew.error instanceof ApiError && renew.error.code === 'SESSION_EXPIRED';
  const warn = Number.isFinite(exp) && now >= exp - WARN_BEFORE_MS && !ended;
  return html`<div class="expiry-live" aria-live="assertive">
    ${
      warn
        ? html`<div class="expiry" role="region" aria-label="Sign-in ending" data-testid="expiry-warning">
          <p><strong>Your sign-in ends at ${clockTime(exp)}.</strong> ${
            refused ? 'It cannot be extended any further; save your work and sign in again after it ends.' : 'Stay signed in to keep working without interruption.'
          }</p>
          ${
            refused
              ? null
              : html`<button type="button" class="btn btn-primary btn-small" aria-disabled=${renew.isPending} onClick=${() => renew.isPending || renew.mutate()}>
            ${renew.isPending ? 'Renewing…' : 'Stay signed in'}
          </button>`
          }
          ${renew.error && !refused ? html`<p class="small" role="alert">${describeError(renew.error)}</p>` : null}
        </div>`
        : renew.isSuccess
          ? html`<p class="visually-hidden">You stay signed in until ${clockTime(exp)}.</p>`
          : null
    }
  </div>`;
}
