import type { PgMigration } from './index.ts';

/** Session revocations shared by every director (bun:sqlite has them in its migration 005). */
export const revocations: PgMigration = {
  version: 6,
  name: 'token revocations',
  sql: `
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
