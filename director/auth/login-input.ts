import { ApiError } from '../../shared/errors.ts';
import { hasControlChars } from './username.ts';

/** What a login route hands the login service. */
export interface LoginInput {
  username: string;
  password: string;
  otp?: string;
  /** The `state` of a previous INSUFFICIENT_CREDENTIALS answer. */
  state?: string;
  /** A passkey's answer to the offer of an earlier INSUFFICIENT_CREDENTIALS (in place of `otp`). */
  passkey?: { challengeId: string; response: unknown };
  clientAddress: string;
  role: 'user' | 'admin';
}

const LIMITS = { username: 256, password: 1024, otp: 64, state: 1024 } as const;

const invalid = (message: string) => new ApiError(400, 'INVALID_BODY', message);

/**
 * Checks sizes and characters before anything reaches a backend: 400 INVALID_BODY on a missing or
 * oversized field. The password may be empty only on a challenge follow-up (state set).
 */
export function validateLoginInput(input: LoginInput): void {
  if (typeof input.username !== 'string' || input.username.length === 0 || input.username.length > LIMITS.username || hasControlChars(input.username) || input.username.trim() !== input.username) {
    throw invalid('field "userID" is missing or not a valid user name');
  }
  if (typeof input.password !== 'string' || input.password.length > LIMITS.password || input.password.includes('\0')) throw invalid('field "password" is missing or too long');
  if (input.password.length === 0 && !input.state) throw invalid('field "password" is required');
  if (input.otp !== undefined && (typeof input.otp !== 'string' || input.otp.length > LIMITS.otp || hasControlChars(input.otp))) throw invalid('field "otp" is not valid');
  if (input.state !== undefined && (typeof input.state !== 'string' || input.state.length > LIMITS.state || !/^[a-z]+:[A-Za-z0-9+/=]*$/.test(input.state))) {
    throw invalid('field "state" is not valid');
  }
  if (input.passkey !== undefined && (typeof input.passkey?.challengeId !== 'string' || typeof input.passkey.response !== 'object' || input.passkey.response === null)) {
    throw invalid('field "passkey" is not valid');
  }
  if (input.role !== 'user' && input.role !== 'admin') throw invalid('unknown role');
}

/** Wraps a backend's challenge state with the backend name, so the follow-up reaches the same backend. */
export const wrapState = (backend: string, state: string) => `${backend}:${state}`;

/** Splits a wrapped state into backend name and the backend's own state. */
export function unwrapState(state: string): { backend: string; inner: string } {
  const colon = state.indexOf(':');
  return { backend: state.slice(0, colon), inner: state.slice(colon + 1) };
}
