import { bool, duration, field, oneOf, section, str, type ConfigOf } from '../../shared/config-schema.ts';

/**
 * [auth.passkeys]: WebAuthn credentials users register from the launcher. They stand in for the one-time
 * code of [otp] and, with allow_passwordless, for the password too. The relying-party id is the host
 * name of public_url. Example:
 *   [auth.passkeys]  allow_passwordless = true  user_verification = "required"
 */
export const passkeysSchema = section({
  /** Users may register passkeys and use them at sign-in. */
  enabled: field(true, bool),
  /** A passkey alone signs a user in (a discoverable credential; the user comes from it). */
  allow_passwordless: field(false, bool),
  /** Whether the authenticator must check the user (PIN, fingerprint); passwordless sign-ins always require it. */
  user_verification: field<'required' | 'preferred' | 'discouraged'>('preferred', oneOf('required', 'preferred', 'discouraged')),
  /** The relying party's name authenticators show. */
  rp_name: field('Remote desktops', str),
  /** How long a registration or sign-in may take from its challenge to its answer. */
  timeout: field(120_000, duration(10_000)),
});

export type PasskeysConfig = ConfigOf<typeof passkeysSchema.section>;
