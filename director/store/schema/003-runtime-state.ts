import type { SchemaStep } from './step.ts';

/**
 * What used to live only in memory and must survive a director restart: each server's last state with
 * its sessions (one JSON row per server; step 6 turns these into rows and drops the table),
 * connection-token use counts and login throttle failures. Also the agent columns behind "returning
 * agents need approval again".
 */
export const runtimeState: SchemaStep = {
  version: 3,
  name: 'runtime state, token uses, login throttle, returning agents',
  legacy: { sqlite: [4], postgres: [4, 5, 7] },
  sqlite: `
    CREATE TABLE runtime_servers (
      id          TEXT PRIMARY KEY,
      guid        TEXT NOT NULL,
      entry       TEXT NOT NULL,
      sessions    TEXT NOT NULL,
      written_at  INTEGER NOT NULL
    );
    CREATE TABLE connection_token_uses (
      jti         TEXT PRIMARY KEY,
      uses        INTEGER NOT NULL,
      expires_at  INTEGER NOT NULL
    );
    CREATE INDEX connection_token_uses_expires ON connection_token_uses (expires_at);
    -- Keyed by the throttle's own opaque key string; failures = JSON array of epoch milliseconds.
    CREATE TABLE login_throttle (
      key         TEXT PRIMARY KEY,
      failures    TEXT NOT NULL,
      newest      INTEGER NOT NULL
    );
    -- 1 = an approval allows this agent to collect one certificate by registering; 0 after it did.
    ALTER TABLE agents ADD COLUMN may_collect INTEGER NOT NULL DEFAULT 0;
    -- 1 = pending again after it was registered with the same key (certificate expired or lost).
    ALTER TABLE agents ADD COLUMN is_returning INTEGER NOT NULL DEFAULT 0;
    UPDATE agents SET may_collect = 1 WHERE state = 'registered' AND cert_serial IS NULL;
  `,
  postgres: `
    ALTER TABLE agents ADD COLUMN IF NOT EXISTS may_collect SMALLINT NOT NULL DEFAULT 0;
    ALTER TABLE agents ADD COLUMN IF NOT EXISTS is_returning SMALLINT NOT NULL DEFAULT 0;
    UPDATE agents SET may_collect = 1 WHERE state = 'registered' AND cert_serial IS NULL;
    CREATE TABLE IF NOT EXISTS connection_token_uses (
      jti        TEXT PRIMARY KEY,
      uses       INTEGER NOT NULL,
      expires_at BIGINT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS connection_token_uses_expires ON connection_token_uses (expires_at);
    CREATE TABLE IF NOT EXISTS runtime_servers (
      id         TEXT PRIMARY KEY,
      guid       TEXT NOT NULL,
      entry      JSONB NOT NULL,
      sessions   JSONB NOT NULL,
      written_at BIGINT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS login_throttle (
      key      TEXT PRIMARY KEY,
      failures JSONB NOT NULL,
      newest   BIGINT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS login_throttle_newest ON login_throttle (newest);
  `,
};
