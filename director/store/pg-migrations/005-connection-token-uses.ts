import type { PgMigration } from './index.ts';

/** Connection-token use counts shared by every director (a token's uses are limited fleet-wide). */
export const connectionTokenUses: PgMigration = {
  version: 5,
  name: 'connection token uses',
  sql: `
    CREATE TABLE connection_token_uses (
      jti        TEXT PRIMARY KEY,
      uses       INTEGER NOT NULL,
      expires_at BIGINT NOT NULL
    );
    CREATE INDEX connection_token_uses_expires ON connection_token_uses (expires_at);
  `,
};
