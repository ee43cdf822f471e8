import { ApiError } from '../../shared/errors.ts';
import { hasControlChars } from './username.ts';

/** What a login route hands the login service. */
export interface LoginInput {
  username: string;
  password: string;
  otp?: string;
  /** The `state` of a previous INSUFFICIENT_CREDENTIALS answer. */
  state?: string;
  clientAddress: string;
  role: 'user' | 'admin';
}

const LIMITS = { username: 256, password: 1024, otp: 64, state: 1024 } as const;

const invalid = (message: string) => new ApiError(400, 'INVALID_BODY', message);

/**
 * Checks sizes and characters before anything reaches a backend: 400 INVALID_BODY on a missing or
 * oversized field. The password may be empty only on a challenge follow-up (state set).
 */
export function validateLoginInput(i: LoginInput): void {
  if (typeof i.username !== 'string' || i.username.length === 0 || i.username.length > LIMITS.username || hasControlChars(i.username) || i.username.trim() !== i.username) {
    throw invalid('field "userID" is missing or not a valid user name');
  }
  if (typeof i.password !== 'string' || i.password.length > LIMITS.password || i.password.includes('\0')) throw invalid('field "password" is missing or too long');
  if (i.password.length === 0 && !i.state) throw invalid('field "password" is required');
  if (i.otp !== undefined && (typeof i.otp !== 'string' || i.otp.length > LIMITS.otp || hasControlChars(i.otp))) throw invalid('field "otp" is not valid');
  if (i.state !== undefined && (typeof i.state !== 'string' || i.state.length > LIMITS.state || !/^[a-z]+:[A-Za-z0-9+/=]*$/.test(i.state))) {
    throw invalid('field "state" is not valid');
  }
  if (i.role !== 'user' && i.role !== 'admin') throw invalid('unknown role');
}

/** Wraps a backend's challenge state with the backend name, so the follow-up reaches the same backend. */
export const wrapState = (backend: string, state: string) => `${backend}:${state}`;

/** Splits a wrapped state into backend name and the backend's own state. */
export function unwrapState(state: string): { backend: string; inner: string } {
  const i = state.indexOf(':');
  return { backend: state.slice(0, i), inner: state.slice(i + 1) };
}
