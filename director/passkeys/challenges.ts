import type { Clock } from '../../shared/clock.ts';
import type { PasskeyChallenge, PasskeyStore } from './store.ts';

/** 24 random bytes, base64url: challenge ids and WebAuthn user handles. */
export const randomId = () => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');

/**
 * The challenges of ceremonies in progress, as store rows with an expiry: issued with the options,
 * taken (deleted) by the answer, so any director finishes what another began and no answer counts twice.
 */
export function createChallenges(store: PasskeyStore, clock: Clock, ttlMs: number) {
  return {
    /** Stores a challenge; its id goes to the browser with the options. */
    async issue(challenge: string, username: string, purpose: PasskeyChallenge['purpose'], userHandle = ''): Promise<string> {
      const id = randomId();
      await store.putChallenge({ id, challenge, username, userHandle, purpose, expiresAt: clock.now() + ttlMs }, clock.now());
      return id;
    },
    /** Takes a challenge out; undefined unless it exists, is alive, and was issued for this purpose and user. */
    async take(id: unknown, purpose: PasskeyChallenge['purpose'], username: string): Promise<PasskeyChallenge | undefined> {
      const taken = typeof id === 'string' && id.length <= 64 ? await store.takeChallenge(id, clock.now()) : undefined;
      if (!taken || taken.purpose !== purpose || taken.username !== username) return undefined;
      return taken;
    },
  };
}

export type Challenges = ReturnType<typeof createChallenges>;
