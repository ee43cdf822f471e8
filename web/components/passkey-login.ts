import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, describeError, director, type Answer, type ApiError } from '../api.ts';
import { useMutation, useQuery } from '../query.ts';
import { queryKeys } from '../query-keys.ts';

type Offer = NonNullable<ApiError['passkey']>;
/** What a sign-in answers (the password login's answer). */
export type SignedIn = Answer<Awaited<ReturnType<typeof director.v1.user.login.post>>>;

/**
 * Asks the browser for a passkey answering `offer`. The WebAuthn browser code is a chunk of its own,
 * fetched the first time a passkey is used, so the launcher's first load does not carry it.
 */
export async function answerOffer(offer: Offer) {
  const { startAuthentication } = await import('@simplewebauthn/browser');
  const response = await startAuthentication({ optionsJSON: offer.options as unknown as PublicKeyCredentialRequestOptionsJSON });
  return { challengeId: offer.challengeId, response };
}

/** Words for a failed passkey prompt: the browser's own refusals (closed, timed out) differ from ours. */
export function passkeyProblem(err: unknown): string {
  const name = (err as Error | undefined)?.name;
  if (name === 'NotAllowedError' || name === 'AbortError') return 'The passkey prompt was closed or timed out. Try again.';
  if (name === 'InvalidStateError') return 'This device holds no passkey for this account.';
  if (name === 'NotSupportedError' || name === 'SecurityError') return 'This browser cannot use passkeys here.';
  return describeError(err);
}

/** The second step of a sign-in that offered a passkey in place of the one-time code. */
export function PasskeyStep({ offer, onAnswer, busy }: { offer: Offer; onAnswer: (passkey: Awaited<ReturnType<typeof answerOffer>>) => void; busy: boolean }) {
  const [problem, setProblem] = useState('');
  const [asking, setAsking] = useState(false);
  const use = async () => {
    setProblem('');
    setAsking(true);
    try {
      onAnswer(await answerOffer(offer));
    } catch (err) {
      setProblem(passkeyProblem(err));
    } finally {
      setAsking(false);
    }
  };
  return html`<div class="passkey-step">
    ${problem ? html`<div class="note note-error" role="alert"><p>${problem}</p></div>` : null}
    <button type="button" class="btn btn-primary btn-block" data-testid="use-passkey" disabled=${busy || asking} aria-busy=${asking} onClick=${use}>
      ${asking ? 'Waiting for your passkey…' : 'Use a passkey'}
    </button>
  </div>`;
}

/** "Sign in with a passkey" (no user name, no password) where [auth.passkeys] allow_passwordless is on. */
export function PasswordlessSignIn({ admin, onSignedIn }: { admin: boolean; onSignedIn: (me: SignedIn) => void }) {
  const enabled = useQuery({ queryKey: queryKeys.passwordless, queryFn: () => call(director.v1.passkeys.login.get(), { noSignOut: true }), retry: false, staleTime: 300_000 });
  const signIn = useMutation({
    mutationFn: async () => {
      const offer = await call(director.v1.passkeys.login.options.post(), { noSignOut: true });
      const answer = await answerOffer(offer);
      return call(director.v1.passkeys.login.post({ ...answer, role: admin ? 'admin' : 'user' }), { noSignOut: true });
    },
    onSuccess: onSignedIn,
  });
  if (!enabled.data?.passwordless) return null;
  return html`<div class="login-alt">
    ${signIn.isError ? html`<div class="note note-error" role="alert"><p>${passkeyProblem(signIn.error)}</p></div>` : null}
    <button type="button" class="btn btn-block" data-testid="passwordless" disabled=${signIn.isPending} aria-busy=${signIn.isPending} onClick=${() => signIn.mutate()}>
      ${signIn.isPending ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
    </button>
  </div>`;
}
