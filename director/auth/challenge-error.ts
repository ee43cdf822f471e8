import { ApiError } from '../../shared/errors.ts';

/**
 * 401 INSUFFICIENT_CREDENTIALS: the credentials so far were right, the client must send `expected`
 * fields too (e.g. ["otp"]). `state` (when set) must be echoed back unchanged as the login body's
 * "state" field; the route layer puts it into the error envelope. `enrolmentRequired` means the user
 * has no second factor yet (built-in TOTP) and must enrol before an OTP can work.
 */
export class ChallengeError extends ApiError {
  constructor(
    expected: readonly string[],
    message: string,
    readonly state?: string,
    readonly enrolmentRequired = false,
    /** The verified user name (canonical form) when enrolment is required; not sent to the client. */
    readonly subject?: string,
    /** More fields of the envelope (e.g. `passkey`: the sign-in options when "passkey" is expected). */
    extra?: Readonly<Record<string, unknown>>,
  ) {
    super(401, 'INSUFFICIENT_CREDENTIALS', message, expected, undefined, {
      ...(state ? { state } : {}),
      ...(enrolmentRequired ? { enrolmentRequired } : {}),
      ...extra,
    });
    this.name = 'ChallengeError';
  }
}
