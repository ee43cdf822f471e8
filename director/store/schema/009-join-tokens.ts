import type { SchemaStep } from './step.ts';

/**
 * Join tokens: an admin's one-time (or n-time), expiring pass that admits agents at registration
 * without a click. Only a SHA-256 of the token's 256-bit secret is kept. `used` counts admissions and
 * only ever grows by a conditional update (`used < uses`), so several directors racing for the last
 * use admit exactly one agent. Revoked and expired tokens stay listed for the record.
 */
export const joinTokens: SchemaStep = {
  version: 9,
  name: 'join tokens',
  sqlite: `
    CREATE TABLE join_tokens (
      id                TEXT PRIMARY KEY,
      secret_hash       BLOB NOT NULL,
      hostname_pattern  TEXT NOT NULL DEFAULT '',
      uses              INTEGER NOT NULL,
      used              INTEGER NOT NULL DEFAULT 0,
      expires_at        INTEGER NOT NULL,
      created_at        INTEGER NOT NULL,
      created_by        TEXT NOT NULL,
      revoked_at        INTEGER,
      revoked_by        TEXT,
      last_used_at      INTEGER
    );
  `,
  postgres: `
    CREATE TABLE join_tokens (
      id               TEXT PRIMARY KEY,
      secret_hash      BYTEA NOT NULL,
      hostname_pattern TEXT NOT NULL DEFAULT '',
      uses             INTEGER NOT NULL,
      used             INTEGER NOT NULL DEFAULT 0,
      expires_at       BIGINT NOT NULL,
      created_at       BIGINT NOT NULL,
      created_by       TEXT NOT NULL,
      revoked_at       BIGINT,
      revoked_by       TEXT,
      last_used_at     BIGINT
    );
  `,
};
