import type { SchemaStep } from './step.ts';

/**
 * Passkeys (WebAuthn credentials), one row per credential, and the challenges of registrations and
 * sign-ins in progress. A challenge is a row (not a cookie) so that any director can finish what
 * another began, and so that taking it deletes it: an assertion cannot be replayed against it.
 * `user_handle` is the random WebAuthn user id given at registration (the same for all of a user's
 * passkeys; a registration's challenge row carries the one its options gave); a passwordless sign-in
 * names the user only by it.
 */
export const passkeys: SchemaStep = {
  version: 13,
  name: 'passkeys',
  sqlite: `
    CREATE TABLE passkeys (
      credential_id TEXT PRIMARY KEY,
      username      TEXT NOT NULL,
      user_handle   TEXT NOT NULL,
      name          TEXT NOT NULL,
      public_key    TEXT NOT NULL,
      counter       INTEGER NOT NULL,
      transports    TEXT NOT NULL,
      created_at    INTEGER NOT NULL,
      last_used_at  INTEGER
    );
    CREATE INDEX passkeys_username ON passkeys (username);
    CREATE TABLE passkey_challenges (
      id          TEXT PRIMARY KEY,
      challenge   TEXT NOT NULL,
      username    TEXT NOT NULL,
      user_handle TEXT NOT NULL,
      purpose     TEXT NOT NULL CHECK (purpose IN ('register', 'login')),
      expires_at  INTEGER NOT NULL
    );
  `,
  postgres: `
    CREATE TABLE passkeys (
      credential_id TEXT PRIMARY KEY,
      username      TEXT NOT NULL,
      user_handle   TEXT NOT NULL,
      name          TEXT NOT NULL,
      public_key    TEXT NOT NULL,
      counter       BIGINT NOT NULL,
      transports    TEXT NOT NULL,
      created_at    BIGINT NOT NULL,
      last_used_at  BIGINT
    );
    CREATE INDEX passkeys_username ON passkeys (username);
    CREATE TABLE passkey_challenges (
      id          TEXT PRIMARY KEY,
      challenge   TEXT NOT NULL,
      username    TEXT NOT NULL,
      user_handle TEXT NOT NULL,
      purpose     TEXT NOT NULL CHECK (purpose IN ('register', 'login')),
      expires_at  BIGINT NOT NULL
    );
  `,
};
