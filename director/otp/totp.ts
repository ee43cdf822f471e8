/**
 * Built-in TOTP (RFC 6238: SHA-1, 6 digits, 30 s) with otplib 13; secrets in the director database
 * (TotpSecretStore: bun:sqlite or PostgreSQL). Enrolment: beginEnrolment -> the user adds the otpauth:// URI to an
 * app -> confirmEnrolment with a code proves it; only confirmed secrets log in. A code is accepted once:
 * the highest accepted time step is stored and codes of that step or earlier are replays.
 *
 * A user with no confirmed secret cannot pass the second factor; needsEnrolment() lets the login service
 * answer "enrolment required" (after the password was right) instead of a bare failure, and the route
 * layer decides who may enrol (an admin, or the user right after a password login). Re-enrolling an
 * enrolled user needs reset() first, so a stolen password alone cannot replace the second factor.
 * Secrets are stored as is (the embedded database file is 0600 under a 0700 directory; PostgreSQL:
 * protect the database and its backups).
 */
import { generateSecret, generateURI, verify } from 'otplib';
import type { Clock } from '../../shared/clock.ts';
import { conflict } from '../../shared/errors.ts';
import type { OtpVerifier } from '../auth/types.ts';
import type { TotpSecretStore } from './totp-store.ts';

const PERIOD = 30;

export interface TotpOptions {
  issuer: string;
  /** Accepted time steps before and after now. */
  window: number;
}

export interface TotpVerifier extends OtpVerifier {
  /** Starts (or restarts an unconfirmed) enrolment; 409 ALREADY_ENROLLED when a confirmed secret exists. */
  beginEnrolment(username: string): Promise<{ secret: string; otpauthUri: string }>;
  /** True when the code matches the pending secret; the secret is then active. */
  confirmEnrolment(username: string, code: string): Promise<boolean>;
  /** True until the user has a confirmed secret. */
  needsEnrolment(username: string): Promise<boolean>;
  /** Removes the user's secret (admin action); the user must enrol again. */
  reset(username: string): Promise<void>;
}

/** The TOTP verifier over a secret store. */
export function createTotpVerifier(store: TotpSecretStore, clock: Clock, opts: TotpOptions): TotpVerifier {
  async function check(username: string, code: string, wantConfirmed: boolean): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    const row = await store.get(username);
    if (!row || row.confirmed !== wantConfirmed) return false;
    const result = await verify({
      secret: row.secret,
      token: code,
      epoch: Math.floor(clock.now() / 1000),
      epochTolerance: opts.window * PERIOD,
      ...(row.lastTimeStep >= 0 ? { afterTimeStep: row.lastTimeStep } : {}),
    });
    if (!result.valid || !('timeStep' in result)) return false;
    return store.accept(username, result.timeStep, clock.now(), row);
  }

  return {
    name: 'totp',
    async beginEnrolment(username) {
      const secret = generateSecret();
      if (!(await store.putPending(username, secret, clock.now()))) {
        throw conflict('ALREADY_ENROLLED', 'a TOTP secret is already active for this user; an administrator must reset it first');
      }
      return { secret, otpauthUri: generateURI({ issuer: opts.issuer, label: username, secret }) };
    },
    confirmEnrolment: (username, code) => check(username, code, false),
    verify: (username, code) => check(username, code, true),
    async needsEnrolment(username) {
      return (await store.get(username))?.confirmed !== true;
    },
    async reset(username) {
      await store.remove(username);
    },
    async health() {
      return { ok: true };
    },
  };
}
