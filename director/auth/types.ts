/**
 * Authentication backends. Each backend is one file implementing Authenticator; config picks them by
 * name through a registry map (registry.ts). A login is a typed result, so multi-step logins (a RADIUS
 * Access-Challenge, a missing OTP) reach the client as "send these fields too".
 */
export interface Credentials {
  username: string;
  password: string;
  /** One-time password, when the client sent one. */
  otp?: string;
  /** Opaque state of a challenge step (RADIUS State), echoed back by the client. */
  challengeState?: string;
  /** Client address, for backends that pass it on (RADIUS Calling-Station-Id) and for audit. */
  clientAddress?: string;
}

export type AuthResult =
  | { kind: 'ok'; username: string; backend: string; groups?: string[] }
  /** More input needed: the client renders `expected` (e.g. ["otp"]) and echoes `state`. */
  | { kind: 'challenge'; backend: string; expected: string[]; message?: string; state?: string }
  /** The backend does not know this user; a chain moves on to the next backend. */
  | { kind: 'unknown'; backend: string }
  | { kind: 'reject'; backend: string; reason: string };

/** Result of a health probe; never thrown, always returned. */
export interface HealthStatus {
  ok: boolean;
  detail?: string;
}

export interface Authenticator {
  /** Backend name as used in config and audit events ("ldap", "radius", ...). */
  readonly name: string;
  authenticate(credentials: Credentials): Promise<AuthResult>;
  /** Reachability check for /v1/auth-health; never throws. */
  health?(): Promise<HealthStatus>;
  close?(): Promise<void>;
}

/** A second factor, checked after a first factor said ok. */
export interface OtpVerifier {
  readonly name: string;
  verify(username: string, otp: string, clientAddress?: string): Promise<boolean>;
  /**
   * True when the user has no second factor yet and must enrol first (built-in TOTP). Verifiers whose
   * enrolment lives elsewhere (PrivacyIDEA, external) leave this out.
   */
  needsEnrolment?(username: string): Promise<boolean>;
  health?(): Promise<HealthStatus>;
}
