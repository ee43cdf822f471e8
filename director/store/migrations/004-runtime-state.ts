import type { Migration } from './index.ts';

/**
 * What used to live only in memory and must survive a director restart: the last known state of each
 * server (with its sessions), connection-token use counts and login throttle failures. Also the agent
 * columns behind "returning agents need approval again".
 */
export const runtimeState: Migration = {
  version: 4,
  name: 'runtime-state',
  sql: `
    -- One row per server: its ServerEntry and its sessions as JSON, so fields added later flow through.
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
};
