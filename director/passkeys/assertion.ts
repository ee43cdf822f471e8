import type { AuthenticationResponseJSON, AuthenticatorTransport } from '@simplewebauthn/server';
import type { Clock } from '../../shared/clock.ts';
import type { PasskeysConfig } from '../config/passkeys-schema.ts';
import type { Challenges } from './challenges.ts';
import type { PasskeyStore } from './store.ts';
import { webauthn } from './webauthn.ts';

/** The outcome of a sign-in answer: its credential's owner, or why it failed (for the audit trail). */
export type AnswerOutcome = { user: string; credential: string } | { reason: string; user?: string; credential?: string };

/** Why a WebAuthn check failed: the library's words for a stale counter get a plain label first. */
export function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return /counter value/i.test(message) ? `stale signature counter (cloned authenticator?): ${message}` : `verification failed: ${message}`;
}

/**
 * Checks a sign-in answer: its challenge (taken once; issued for this user, or for a passwordless
 * sign-in when `username` is undefined), the stored credential (the user's own; passwordless: its user
 * handle must match), the signature over origin and relying-party id, and a counter above the stored one,
 * moved on with a conditional write so two uses of one counter value cannot both win.
 */
export async function checkAnswer(
  deps: { store: PasskeyStore; clock: Clock; challenges: Challenges; origin: string; rpID: string; config: PasskeysConfig },
  answer: { challengeId: string; response: AuthenticationResponseJSON },
  username: string | undefined,
): Promise<AnswerOutcome> {
  const { store } = deps;
  const challenge = await deps.challenges.take(answer.challengeId, 'login', username ?? '');
  if (!challenge) return { reason: 'challenge unknown, used or expired' };
  const credentialId = answer.response?.id;
  const stored = typeof credentialId === 'string' ? await store.get(credentialId) : undefined;
  if (!stored) return { reason: 'unknown credential', credential: typeof credentialId === 'string' ? credentialId.slice(0, 128) : undefined };
  const which = { user: stored.username, credential: stored.id };
  if (username !== undefined && stored.username !== username) return { reason: 'credential of another user', credential: stored.id };
  // Passwordless: the authenticator names the user by the handle given at registration.
  if (username === undefined && answer.response.response?.userHandle !== stored.userHandle) return { reason: 'user handle does not match the credential', ...which };
  let newCounter: number;
  try {
    const verified = await (await webauthn()).verifyAuthenticationResponse({
      response: answer.response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: deps.origin,
      expectedRPID: deps.rpID,
      credential: { id: stored.id, publicKey: Buffer.from(stored.publicKey, 'base64url'), counter: stored.counter, transports: stored.transports as AuthenticatorTransport[] },
      requireUserVerification: username === undefined || deps.config.user_verification === 'required',
    });
    if (!verified.verified) return { reason: 'signature rejected', ...which };
    newCounter = verified.authenticationInfo.newCounter;
  } catch (err) {
    return { reason: reasonOf(err), ...which };
  }
  if (!(await store.recordUse(stored.id, stored.counter, newCounter, deps.clock.now()))) return { reason: 'stale signature counter (used at the same time elsewhere)', ...which };
  return which;
}
