/**
 * The login flow shared by /v1/user/login and /v1/admin/login:
 * validate -> throttle check -> first factor (the chain: the first backend not answering "unknown"
 * decides; a backend that fails counts as a rejection, never as "unknown", so an outage cannot hand a
 * user name to the next backend) -> second factor when required -> admin flag -> audit.
 * Unknown user and wrong password get the same 401 INVALID_CREDENTIALS. A RADIUS Access-Challenge or a
 * missing OTP is a ChallengeError (401 INSUFFICIENT_CREDENTIALS, `expected`, `state`). The OTP verifier
 * is asked whenever it is required, even after a backend's own challenge step: the state comes from the
 * client, and a RADIUS server may accept a password with any State, so skipping would be a bypass.
 * (When RADIUS does the OTP itself, leave otp.backend empty.) A user with passkeys may answer with one
 * in place of the code: the challenge then expects "passkey" too and carries the sign-in options.
 * Every attempt is one audit event; secrets never go into it.
 */
import type { Clock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { AuditLog } from '../audit/types.ts';
import { ChallengeError } from './challenge-error.ts';
import { unwrapState, validateLoginInput, wrapState, type LoginInput } from './login-input.ts';
import type { Throttle } from './throttle.ts';
import type { AuthResult, Authenticator, Credentials, HealthStatus, OtpVerifier } from './types.ts';
import { ignoredError } from '../../shared/ignored.ts';

export type { LoginInput } from './login-input.ts';

export interface LoginResult {
  username: string;
  groups: string[];
  backend: string;
}

export interface AuthHealth {
  ok: boolean;
  backends: { name: string; ok: boolean; detail?: string }[];
}

export interface LoginService {
  login(input: LoginInput): Promise<LoginResult>;
  health(): Promise<AuthHealth>;
}

/** Passkeys as the second factor (director/passkeys/service.ts). */
export interface PasskeyFactor {
  /** Sign-in options for the user's passkeys; undefined when they have none. */
  offer(username: string): Promise<{ challengeId: string; options: unknown } | undefined>;
  /** Whether the answer is a valid use of one of the user's passkeys (audited there). */
  verify(username: string, answer: NonNullable<LoginInput['passkey']>, clientAddress: string): Promise<boolean>;
}

export interface LoginServiceDeps {
  authenticators: readonly Authenticator[];
  otp?: OtpVerifier;
  passkeys?: PasskeyFactor;
  otpRequired: boolean;
  throttle: Throttle;
  audit: AuditLog;
  isAdmin: (username: string, groups: readonly string[]) => boolean;
  clock: Clock;
  log: Logger;
}

const BAD_CREDENTIALS = 'invalid user name or password';
const HEALTH_TIMEOUT_MS = 5_000;

/** Builds the login service; throws when OTP is required but no verifier is configured. */
export function createLoginService(deps: LoginServiceDeps): LoginService {
  const { authenticators, otp, throttle, audit, clock, log } = deps;
  if (deps.otpRequired && !otp) throw new Error('login: otpRequired needs an OTP verifier');
  if (authenticators.length === 0) log.warn('no login backends configured: every login fails');
  const byName = new Map(authenticators.map((a) => [a.name, a]));

  async function run(authenticator: Authenticator, credentials: Credentials): Promise<AuthResult> {
    try {
      return await authenticator.authenticate(credentials);
    } catch (err) {
      log.error('login backend failed', { backend: authenticator.name, error: err });
      return { kind: 'reject', backend: authenticator.name, reason: 'backend error' };
    }
  }

  async function firstFactor(input: LoginInput): Promise<AuthResult> {
    const credentials: Credentials = { username: input.username, password: input.password, otp: input.otp, clientAddress: input.clientAddress };
    if (input.state) {
      const { backend, inner } = unwrapState(input.state);
      const authenticator = byName.get(backend);
      if (!authenticator) throw new ApiError(400, 'INVALID_BODY', 'field "state" is not valid');
      return run(authenticator, { ...credentials, challengeState: inner });
    }
    let last: AuthResult = { kind: 'unknown', backend: authenticators[0]?.name ?? 'none' };
    for (const authenticator of authenticators) {
      last = await run(authenticator, credentials);
      if (last.kind !== 'unknown') break;
    }
    return last;
  }

  return {
    async login(input) {
      validateLoginInput(input);
      const started = clock.now();
      const event = { type: 'login', actor: input.username, clientAddress: input.clientAddress, detail: `role=${input.role}` };
      const fail = (backend: string, reason: string, countsAsFailure = true) => {
        if (countsAsFailure) throttle.failure(input.username, input.clientAddress);
        audit.record({ ...event, backend, outcome: 'failure', detail: `${event.detail}; ${reason}` });
        log.info('login failed', { user: input.username, clientAddress: input.clientAddress, backend, reason, ms: clock.now() - started });
      };
      try {
        throttle.check(input.username, input.clientAddress);
      } catch (err) {
        audit.record({ ...event, outcome: 'failure', detail: `${event.detail}; throttled` });
        throw err;
      }

      const result = await firstFactor(input);
      if (result.kind === 'unknown' || result.kind === 'reject') {
        fail(result.backend, result.kind === 'unknown' ? 'unknown user' : result.reason);
        throw new ApiError(401, 'INVALID_CREDENTIALS', BAD_CREDENTIALS);
      }
      if (result.kind === 'challenge') {
        fail(result.backend, `challenge: ${result.expected.join(',')}`, false);
        throw new ChallengeError(result.expected, result.message ?? 'more credentials required', result.state ? wrapState(result.backend, result.state) : undefined);
      }

      const passkeyOffer = async () => {
        const offer = await deps.passkeys?.offer(result.username);
        return offer ? { passkey: offer } : undefined;
      };
      if (deps.otpRequired && otp && input.passkey) {
        if (!(await deps.passkeys?.verify(result.username, input.passkey, input.clientAddress))) {
          fail(result.backend, 'passkey rejected');
          throw new ApiError(401, 'INVALID_CREDENTIALS', BAD_CREDENTIALS);
        }
      } else if (deps.otpRequired && otp) {
        const needsEnrolment = await otp.needsEnrolment?.(result.username);
        // A user without a code to give yet (or without one in this step) may answer with a passkey.
        const offer = needsEnrolment || !input.otp ? await passkeyOffer() : undefined;
        if (needsEnrolment && offer) {
          fail(result.backend, 'second factor missing', false);
          throw new ChallengeError(['passkey'], 'sign in with your passkey', undefined, false, undefined, offer);
        }
        if (needsEnrolment) {
          fail(result.backend, 'otp enrolment required', false);
          throw new ChallengeError(['otp'], 'a one-time password is required but none is enrolled for this user: enrol an authenticator app first', undefined, true, result.username);
        }
        if (!input.otp) {
          fail(result.backend, 'otp missing', false);
          throw new ChallengeError(offer ? ['otp', 'passkey'] : ['otp'], 'one-time password required', undefined, false, undefined, offer);
        }
        const accepted = await otp.verify(result.username, input.otp, input.clientAddress).catch((error: unknown) => {
          ignoredError(deps.log, 'login.otp', `the ${otp.name} check failed: the code counts as rejected`, error, 'warn');
          return false;
        });
        if (!accepted) {
          fail(result.backend, `otp rejected by ${otp.name}`);
          throw new ApiError(401, 'INVALID_CREDENTIALS', BAD_CREDENTIALS);
        }
      }

      const groups = result.groups ?? [];
      if (input.role === 'admin' && !deps.isAdmin(result.username, groups)) {
        fail(result.backend, 'not an admin', false);
        throw new ApiError(403, 'NOT_ADMIN', 'this account may not use the admin interface');
      }
      throttle.success(input.username, input.clientAddress);
      audit.record({ ...event, actor: result.username, backend: result.backend, outcome: 'success' });
      log.info('login ok', { user: result.username, role: input.role, backend: result.backend, clientAddress: input.clientAddress, ms: clock.now() - started });
      return { username: result.username, groups, backend: result.backend };
    },

    async health() {
      const probes: { name: string; probe?: () => Promise<HealthStatus> }[] = [
        ...authenticators.map((a) => ({ name: a.name, probe: a.health?.bind(a) })),
        ...(otp ? [{ name: `otp:${otp.name}`, probe: otp.health?.bind(otp) }] : []),
      ];
      const backends = await Promise.all(probes.map(async ({ name, probe }) => ({ name, ...(await guardedHealth(probe)) })));
      return { ok: backends.every((b) => b.ok), backends };
    },
  };
}

async function guardedHealth(probe?: () => Promise<HealthStatus>): Promise<HealthStatus> {
  if (!probe) return { ok: true };
  let timer: Timer | undefined;
  const timeout = new Promise<HealthStatus>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: 'health check timed out' }), HEALTH_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe().catch((err: Error) => ({ ok: false, detail: err.message })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
