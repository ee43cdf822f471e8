/**
 * Passkeys (WebAuthn) through @simplewebauthn/server: registration by a signed-in user, sign-in as the
 * second factor (in place of the one-time code) or, where allowed, as the only factor. Challenges are
 * store rows taken once, so any director finishes a ceremony another began and an answer cannot be
 * replayed. The signature counter must grow: an answer with a counter at or below the stored one (a
 * cloned authenticator) is refused and audited. Every event is audited (passkey.register,
 * passkey.login, passkey.remove, passkey.reset), failures with their reason.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Clock } from '../../shared/clock.ts';
import { ApiError, badRequest, notFound } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { AuditLog } from '../audit/types.ts';
import type { PasskeysConfig } from '../config/passkeys-schema.ts';
import type { PasskeyRecord, PasskeyStore } from './store.ts';

/** A ceremony's options for the browser and the id of its stored challenge. */
export interface PasskeyOffer<Options = PublicKeyCredentialRequestOptionsJSON> {
  challengeId: string;
  options: Options;
}

/** A browser's answer to a sign-in offer. */
export interface PasskeyAnswer {
  challengeId: string;
  response: AuthenticationResponseJSON;
}

/** What the user sees of a passkey. */
export interface PasskeyInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt?: string;
}

export interface PasskeyDeps {
  store: PasskeyStore;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  config: PasskeysConfig;
  /** public_url: its host name is the relying-party id, itself the one expected origin. */
  origin: string;
}

const MAX_PASSKEYS = 20;
const random = () => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
const info = (p: PasskeyRecord): PasskeyInfo => ({
  id: p.id,
  name: p.name,
  createdAt: new Date(p.createdAt).toISOString(),
  ...(p.lastUsedAt ? { lastUsedAt: new Date(p.lastUsedAt).toISOString() } : {}),
});
const rejected = () => new ApiError(401, 'PASSKEY_REJECTED', 'the passkey was not accepted');
/** Why an answer failed, for the audit trail: the library's words for a stale counter, else its message. */
const reasonOf = (err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  return /counter value/i.test(message) ? `stale signature counter (cloned authenticator?): ${message}` : `verification failed: ${message}`;
};

/** The passkey service; `undefined` config.enabled callers get PASSKEYS_DISABLED from the routes. */
export function createPasskeys(deps: PasskeyDeps) {
  const rpID = new URL(deps.origin).hostname;
  const { store, audit, clock, config } = deps;

  async function newChallenge(challenge: string, username: string, purpose: 'register' | 'login', userHandle = ''): Promise<string> {
    const id = random();
    await store.putChallenge({ id, challenge, username, userHandle, purpose, expiresAt: clock.now() + config.timeout }, clock.now());
    return id;
  }

  async function takeChallenge(id: string, purpose: 'register' | 'login', username: string | undefined) {
    const taken = typeof id === 'string' && id.length <= 64 ? await store.takeChallenge(id, clock.now()) : undefined;
    if (!taken || taken.purpose !== purpose || (username !== undefined && taken.username !== username)) return undefined;
    return taken;
  }

  /**
   * Checks an answer against a taken challenge and the stored credential, then moves the counter on.
   * Returns the credential's owner, or a reason for the audit trail.
   */
  async function check(answer: PasskeyAnswer, username: string | undefined): Promise<{ user: string; credential: string } | { reason: string; user?: string; credential?: string }> {
    const challenge = await takeChallenge(answer.challengeId, 'login', username ?? '');
    if (!challenge) return { reason: 'challenge unknown, used or expired' };
    const credentialId = answer.response?.id;
    const stored = typeof credentialId === 'string' ? await store.get(credentialId) : undefined;
    if (!stored) return { reason: 'unknown credential', credential: credentialId };
    if (username !== undefined && stored.username !== username) return { reason: 'credential of another user', credential: stored.id };
    // Passwordless: the authenticator names the user by the handle given at registration.
    if (username === undefined && answer.response.response?.userHandle !== stored.userHandle)
      return { reason: 'user handle does not match the credential', user: stored.username, credential: stored.id };
    let newCounter: number;
    try {
      const verified = await verifyAuthenticationResponse({
        response: answer.response,
        expectedChallenge: challenge.challenge,
        expectedOrigin: deps.origin,
        expectedRPID: rpID,
        credential: { id: stored.id, publicKey: Buffer.from(stored.publicKey, 'base64url'), counter: stored.counter, transports: stored.transports as AuthenticatorTransport[] },
        requireUserVerification: username === undefined || config.user_verification === 'required',
      });
      if (!verified.verified) return { reason: 'signature rejected', user: stored.username, credential: stored.id };
      newCounter = verified.authenticationInfo.newCounter;
    } catch (err) {
      return { reason: reasonOf(err), user: stored.username, credential: stored.id };
    }
    if (!(await store.recordUse(stored.id, stored.counter, newCounter, clock.now()))) {
      return { reason: 'stale signature counter (used at the same time elsewhere)', user: stored.username, credential: stored.id };
    }
    return { user: stored.username, credential: stored.id };
  }

  return {
    rpID,
    allowPasswordless: config.allow_passwordless,

    async list(username: string): Promise<PasskeyInfo[]> {
      return (await store.list(username)).map(info);
    },

    /** Registration options for a signed-in user; their passkeys are excluded (no second copy on one authenticator). */
    async registrationOptions(username: string): Promise<PasskeyOffer<PublicKeyCredentialCreationOptionsJSON>> {
      const existing = await store.list(username);
      if (existing.length >= MAX_PASSKEYS) throw new ApiError(409, 'PASSKEY_LIMIT_REACHED', `at most ${MAX_PASSKEYS} passkeys per user: remove one first`);
      // One random handle per user (never the name: authenticators may show or sync it).
      const userHandle = existing[0]?.userHandle ?? random();
      const options = await generateRegistrationOptions({
        rpName: config.rp_name,
        rpID,
        userName: username,
        userID: new Uint8Array(Buffer.from(userHandle, 'base64url')),
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransport[] })),
        authenticatorSelection: { residentKey: config.allow_passwordless ? 'required' : 'preferred', userVerification: config.user_verification },
        timeout: config.timeout,
      });
      return { challengeId: await newChallenge(options.challenge, username, 'register', userHandle), options };
    },

    /** Verifies a registration answer and stores the passkey under `name`. */
    async register(input: { username: string; challengeId: string; name: string; response: RegistrationResponseJSON; clientAddress: string }): Promise<PasskeyInfo> {
      const event = { type: 'passkey.register', actor: input.username, clientAddress: input.clientAddress };
      const fail = (reason: string, err: ApiError) => {
        audit.record({ ...event, outcome: 'failure', detail: reason });
        return err;
      };
      const name = input.name.trim();
      if (!name || name.length > 64 || /[\p{Cc}]/u.test(name)) throw badRequest('INVALID_PASSKEY_NAME', 'a passkey name is 1 to 64 characters, no control characters');
      const challenge = await takeChallenge(input.challengeId, 'register', input.username);
      if (!challenge) throw fail('challenge unknown, used or expired', new ApiError(400, 'PASSKEY_CHALLENGE_EXPIRED', 'the registration took too long or was already used; start again'));
      let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verified = await verifyRegistrationResponse({
          response: input.response,
          expectedChallenge: challenge.challenge,
          expectedOrigin: deps.origin,
          expectedRPID: rpID,
          requireUserVerification: config.user_verification === 'required' || config.allow_passwordless,
        });
      } catch (err) {
        throw fail(reasonOf(err), new ApiError(400, 'PASSKEY_REJECTED', 'the passkey could not be registered'));
      }
      if (!verified.verified || !verified.registrationInfo) throw fail('attestation not verified', new ApiError(400, 'PASSKEY_REJECTED', 'the passkey could not be registered'));
      const { credential } = verified.registrationInfo;
      const record: PasskeyRecord = {
        id: credential.id,
        username: input.username,
        userHandle: challenge.userHandle,
        name,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ?? [],
        createdAt: clock.now(),
      };
      if (!(await store.add(record))) throw fail('credential already registered', new ApiError(409, 'PASSKEY_EXISTS', 'this passkey is registered already'));
      audit.record({ ...event, target: record.id, outcome: 'success', detail: `name=${name}` });
      return info(record);
    },

    /** Removes one of the user's passkeys. */
    async remove(username: string, id: string, clientAddress: string): Promise<void> {
      if (!(await store.remove(username, id))) throw notFound('PASSKEY_NOT_FOUND', 'no such passkey');
      audit.record({ type: 'passkey.remove', actor: username, target: id, clientAddress, outcome: 'success' });
    },

    /** An admin removes every passkey of a user (a lost device); how many there were. */
    async reset(admin: string, username: string, clientAddress: string): Promise<number> {
      const removed = await store.removeAll(username);
      audit.record({ type: 'passkey.reset', actor: admin, target: username, clientAddress, outcome: 'success', detail: `removed=${removed}` });
      return removed;
    },

    /**
     * A sign-in offer: for `username` (second factor) listing their passkeys, undefined when they have
     * none; without (passwordless) a discoverable-credential request.
     */
    async loginOffer(username?: string): Promise<PasskeyOffer | undefined> {
      const mine = username === undefined ? [] : await store.list(username);
      if (username !== undefined && mine.length === 0) return undefined;
      const options = await generateAuthenticationOptions({
        rpID,
        allowCredentials: mine.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransport[] })),
        userVerification: username === undefined ? 'required' : config.user_verification,
        timeout: config.timeout,
      });
      return { challengeId: await newChallenge(options.challenge, username ?? '', 'login'), options };
    },

    /**
     * Checks a sign-in answer: for `username` (second factor) the passkey must be theirs; without
     * (passwordless) the user is the credential's owner. Audited either way; throws 401 PASSKEY_REJECTED.
     */
    async verifyLogin(answer: PasskeyAnswer, clientAddress: string, username?: string): Promise<string> {
      const outcome = await check(answer, username);
      const mode = username === undefined ? 'passwordless' : 'second factor';
      if ('reason' in outcome) {
        audit.record({ type: 'passkey.login', actor: username ?? outcome.user, target: outcome.credential, clientAddress, outcome: 'failure', detail: `${mode}; ${outcome.reason}` });
        deps.log.info('passkey refused', { user: username ?? outcome.user, reason: outcome.reason, clientAddress });
        throw rejected();
      }
      audit.record({ type: 'passkey.login', actor: outcome.user, target: outcome.credential, clientAddress, outcome: 'success', detail: mode });
      return outcome.user;
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
