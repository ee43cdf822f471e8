import type { SchemaStep } from './step.ts';

/** Session tokens revoked by logout (until they would have expired) and "sign out everywhere" times. */
export const revocations: SchemaStep = {
  version: 4,
  name: 'token revocations',
  legacy: { sqlite: [5], postgres: [6] },
  sqlite: `
    CREATE TABLE revoked_tokens (
      jti         TEXT PRIMARY KEY,
      expires_at  INTEGER NOT NULL
    );
    CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
    -- Tokens whose authTime is before valid_after are refused.
    CREATE TABLE user_valid_after (
      username     TEXT PRIMARY KEY,
      valid_after  INTEGER NOT NULL
    );
  `,
  postgres: `
    CREATE TABLE revoked_tokens (
      jti        TEXT PRIMARY KEY,
      expires_at BIGINT NOT NULL
    );
    CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
    CREATE TABLE user_valid_after (
      username    TEXT PRIMARY KEY,
      valid_after BIGINT NOT NULL
    );
  `,
};
