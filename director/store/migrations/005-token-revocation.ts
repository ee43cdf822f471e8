import type { Migration } from './index.ts';

export const tokenRevocation: Migration = {
  version: 5,
  name: 'token-revocation',
  sql: `
    -- Session tokens revoked by logout; a row lives until the token would have expired anyway.
    CREATE TABLE revoked_tokens (
      jti         TEXT PRIMARY KEY,
      expires_at  INTEGER NOT NULL
    );
    CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
    -- "Sign out everywhere": tokens whose authTime is before valid_after are refused.
    CREATE TABLE user_valid_after (
      username     TEXT PRIMARY KEY,
      valid_after  INTEGER NOT NULL
    );
  `,
};
