import { html } from 'htm/preact';
import { useEffect } from 'preact/hooks';
import { call, describeError, director } from '../api.ts';
import { useMutation, useQuery } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import type { SignedIn } from './passkey-login.ts';

/**
 * Single sign-on through the authenticating proxy in front ([auth.header]): tried at once when the
 * login page opens fresh (`auto`), offered as a button after a sign-out or expiry, so signing out does
 * not sign straight back in.
 */
export function HeaderSignIn({ admin, auto, onSignedIn }: { admin: boolean; auto: boolean; onSignedIn: (me: SignedIn) => void }) {
  const enabled = useQuery({ queryKey: queryKeys.headerSignIn, queryFn: () => call(director.v1.auth.header.get(), { noSignOut: true }), retry: false, staleTime: 300_000 });
  // The variable says whether the user asked (true) or the page tried on its own: only asked-for failures show.
  const signIn = useMutation<SignedIn, boolean>({
    mutationFn: () => call(director.v1.auth.header.post({ role: admin ? 'admin' : 'user' }), { noSignOut: true }),
    onSuccess: onSignedIn,
  });
  const on = enabled.data?.available === true;
  useEffect(() => {
    if (on && auto) signIn.mutate(false);
  }, [on, auto]);
  if (!on) return null;
  return html`<div class="login-alt">
    ${signIn.isError && signIn.variables ? html`<div class="note note-error" role="alert"><p>${describeError(signIn.error)}</p></div>` : null}
    <button type="button" class="btn btn-block" data-testid="header-sign-in" disabled=${signIn.isPending} aria-busy=${signIn.isPending} onClick=${() => signIn.mutate(true)}>
      ${signIn.isPending ? 'Signing in…' : 'Continue with single sign-on'}
    </button>
  </div>`;
}
