/**
 * Built-in TOTP (RFC 6238: SHA-1, 6 digits, 30 s) with otplib 13; secrets in the director database
 * (table totp_secrets, migration 003). Enrolment: beginEnrolment -> the user adds the otpauth:// URI to an
 * app -> confirmEnrolment with a code proves it; only confirmed secrets log in. A code is accepted once:
 * the highest accepted time step is stored and codes of that step or earlier are replays.
 *
 * A user with no confirmed secret cannot pass the second factor; needsEnrolment() lets the login service
 * answer "enrolment required" (after the password was right) instead of a bare failure, and the route
 * layer decides who may enrol (an admin, or the user right after a password login). Re-enrolling an
 * enrolled user needs reset() first, so a stolen password alone cannot replace the second factor.
 * Secrets are stored as is (the database file is 0600 under a 0700 directory).
 */
import type { Database } from 'bun:sqlite';
import { generateSecret, generateURI, verify } from 'otplib';
import type { Clock } from '../../shared/clock.ts';
import { conflict } from '../../shared/errors.ts';
import type { OtpVerifier } from '../auth/types.ts';

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
  reset(username: string): void;
}

interface Row {
  secret: string;
  confirmed: number;
  last_time_step: number;
}

/** The TOTP verifier on the director database. */
export function createTotpVerifier(db: Database, clock: Clock, opts: TotpOptions): TotpVerifier {
  const get = db.query<Row, [string]>('SELECT secret, confirmed, last_time_step FROM totp_secrets WHERE username = ?');
  const upsertPending = db.query<never, [string, string, number]>(
    `INSERT INTO totp_secrets (username, secret, confirmed, last_time_step, created_at) VALUES (?1, ?2, 0, -1, ?3)
     ON CONFLICT (username) DO UPDATE SET secret = ?2, created_at = ?3, last_time_step = -1 WHERE confirmed = 0`,
  );
  // Conditional on the old step, so two concurrent uses of one code cannot both win.
  const accept = db.query<never, [number, number, string, number, number]>(
    'UPDATE totp_secrets SET last_time_step = ?1, confirmed = 1, confirmed_at = COALESCE(confirmed_at, ?2) WHERE username = ?3 AND last_time_step < ?1 AND confirmed = ?4 AND last_time_step = ?5',
  );
  const remove = db.query<never, [string]>('DELETE FROM totp_secrets WHERE username = ?');

  async function check(username: string, code: string, wantConfirmed: boolean): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    const row = get.get(username);
    if (!row || row.confirmed !== (wantConfirmed ? 1 : 0)) return false;
    const result = await verify({
      secret: row.secret,
      token: code,
      epoch: Math.floor(clock.now() / 1000),
      epochTolerance: opts.window * PERIOD,
      ...(row.last_time_step >= 0 ? { afterTimeStep: row.last_time_step } : {}),
    });
    if (!result.valid || !('timeStep' in result)) return false;
    return accept.run(result.timeStep, clock.now(), username, row.confirmed, row.last_time_step).changes === 1;
  }

  return {
    name: 'totp',
    async beginEnrolment(username) {
      const secret = generateSecret();
      if (upsertPending.run(username, secret, clock.now()).changes === 0) {
        throw conflict('ALREADY_ENROLLED', 'a TOTP secret is already active for this user; an administrator must reset it first');
      }
      return { secret, otpauthUri: generateURI({ issuer: opts.issuer, label: username, secret }) };
    },
    confirmEnrolment: (username, code) => check(username, code, false),
    verify: (username, code) => check(username, code, true),
    async needsEnrolment(username) {
      return get.get(username)?.confirmed !== 1;
    },
    reset(username) {
      remove.run(username);
    },
    async health() {
      return { ok: true };
    },
  };
}
