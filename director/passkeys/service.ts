/**
 * Passkeys (WebAuthn) through @simplewebauthn/server: registration by a signed-in user, sign-in as the
 * second factor (in place of the one-time code) or, where allowed, as the only factor. Challenges are
 * store rows taken once, so any director finishes a ceremony another began and an answer cannot be
 * replayed. The signature counter must grow: an answer with a counter at or below the stored one (a
 * cloned authenticator) is refused and audited. Every event is audited (passkey.register,
 * passkey.login, passkey.remove, passkey.reset), failures with their reason.
 */
import type {
  verifyRegistrationResponse,
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Clock } from '../../shared/clock.ts';
import { ApiError, badRequest, notFound } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { AuditLog } from '../audit/types.ts';
import type { PasskeysConfig } from '../config/passkeys-schema.ts';
import type { PasskeyRecord, PasskeyStore } from './store.ts';
import { checkAnswer, reasonOf } from './assertion.ts';
import { webauthn } from './webauthn.ts';
import { createChallenges, randomId } from './challenges.ts';

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
const info = (p: PasskeyRecord): PasskeyInfo => ({
  id: p.id,
  name: p.name,
  createdAt: new Date(p.createdAt).toISOString(),
  ...(p.lastUsedAt ? { lastUsedAt: new Date(p.lastUsedAt).toISOString() } : {}),
});
const rejected = () => new ApiError(401, 'PASSKEY_REJECTED', 'the passkey was not accepted');

/** The passkey service; `undefined` config.enabled callers get PASSKEYS_DISABLED from the routes. */
export function createPasskeys(deps: PasskeyDeps) {
  const rpID = new URL(deps.origin).hostname;
  const { store, audit, clock, config } = deps;

  const challenges = createChallenges(store, clock, config.timeout);
  const check = (answer: PasskeyAnswer, username: string | undefined) => checkAnswer({ store, clock, challenges, origin: deps.origin, rpID, config }, answer, username);

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
      const userHandle = existing[0]?.userHandle ?? randomId();
      const options = await (await webauthn()).generateRegistrationOptions({
        rpName: config.rp_name,
        rpID,
        userName: username,
        userID: new Uint8Array(Buffer.from(userHandle, 'base64url')),
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransport[] })),
        authenticatorSelection: { residentKey: config.allow_passwordless ? 'required' : 'preferred', userVerification: config.user_verification },
        timeout: config.timeout,
      });
      return { challengeId: await challenges.issue(options.challenge, username, 'register', userHandle), options };
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
      const challenge = await challenges.take(input.challengeId, 'register', input.username);
      if (!challenge) throw fail('challenge unknown, used or expired', new ApiError(400, 'PASSKEY_CHALLENGE_EXPIRED', 'the registration took too long or was already used; start again'));
      let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verified = await (await webauthn()).verifyRegistrationResponse({
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
      // A name without passkeys (a typo, most likely) must not look like a reset that happened.
      if (removed === 0) throw notFound('PASSKEY_NOT_FOUND', `${username} has no passkeys`);
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
      const options = await (await webauthn()).generateAuthenticationOptions({
        rpID,
        allowCredentials: mine.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransport[] })),
        userVerification: username === undefined ? 'required' : config.user_verification,
        timeout: config.timeout,
      });
      return { challengeId: await challenges.issue(options.challenge, username ?? '', 'login'), options };
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
