import { duration, field, list, section, str } from '../../shared/config-schema.ts';

/**
 * [auth] and [otp] sections: which backends log users in, in order (first that knows the user wins),
 * and each backend's settings.
 */
export const authSchema = section({
  backends: field<string[]>(['external'], list(str)),
  external: section({
    /** argv of the command; the user name is in $DCVIX_USER, the password on stdin. */
    command: field<string[]>([], list(str)),
    timeout: field(10_000, duration(100)),
  }),
});

export const otpSchema = section({
  /** "" (no second factor), "totp", "privacyidea" or "external". */
  backend: field('', str),
});
