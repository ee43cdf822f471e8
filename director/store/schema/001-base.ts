import type { SchemaStep } from './step.ts';

/** Agent registrations, audit events and TOTP secrets. Times are epoch milliseconds throughout. */
export const base: SchemaStep = {
  version: 1,
  name: 'agents, audit, totp',
  legacy: { sqlite: [1, 2, 3], postgres: [1] },
  sqlite: `
    CREATE TABLE IF NOT EXISTS agents (
      guid             TEXT PRIMARY KEY,
      hostname         TEXT NOT NULL,
      state            TEXT NOT NULL CHECK (state IN ('pending', 'registered', 'revoked')),
      public_key       BLOB NOT NULL,
      csr              BLOB NOT NULL,
      csr_fingerprint  TEXT NOT NULL,
      cert_serial      TEXT,
      cert_not_after   INTEGER,
      remote_address   TEXT NOT NULL DEFAULT '',
      created_at       INTEGER NOT NULL,
      updated_at       INTEGER NOT NULL,
      approved_at      INTEGER,
      approved_by      TEXT,
      revoked_at       INTEGER,
      last_seen        INTEGER,
      -- a registered GUID that asks again with another key: kept aside, never swapped in silently
      conflict_public_key BLOB,
      conflict_at      INTEGER
    );
    CREATE INDEX IF NOT EXISTS agents_state ON agents (state);
    CREATE TABLE IF NOT EXISTS audit_events (
      id             INTEGER PRIMARY KEY AUTOINCREMENT,
      at             INTEGER NOT NULL,
      type           TEXT NOT NULL,
      actor          TEXT,
      target         TEXT,
      client_address TEXT,
      backend        TEXT,
      outcome        TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
      detail         TEXT
    );
    CREATE INDEX IF NOT EXISTS audit_events_at ON audit_events (at);
    CREATE INDEX IF NOT EXISTS audit_events_type_at ON audit_events (type, at);
    CREATE INDEX IF NOT EXISTS audit_events_actor_at ON audit_events (actor, at);
    -- One TOTP secret per user; unconfirmed until the user proved a code from it.
    CREATE TABLE IF NOT EXISTS totp_secrets (
      username        TEXT PRIMARY KEY,
      secret          TEXT NOT NULL,
      confirmed       INTEGER NOT NULL DEFAULT 0,
      -- highest time step accepted so far: a code of that step or earlier is a replay
      last_time_step  INTEGER NOT NULL DEFAULT -1,
      created_at      INTEGER NOT NULL,
      confirmed_at    INTEGER
    );
  `,
  postgres: `
    CREATE TABLE IF NOT EXISTS agents (
      guid                TEXT PRIMARY KEY,
      hostname            TEXT NOT NULL,
      state               TEXT NOT NULL CHECK (state IN ('pending', 'registered', 'revoked')),
      public_key          BYTEA NOT NULL,
      csr                 BYTEA NOT NULL,
      csr_fingerprint     TEXT NOT NULL,
      cert_serial         TEXT,
      cert_not_after      BIGINT,
      remote_address      TEXT NOT NULL DEFAULT '',
      created_at          BIGINT NOT NULL,
      updated_at          BIGINT NOT NULL,
      approved_at         BIGINT,
      approved_by         TEXT,
      revoked_at          BIGINT,
      last_seen           BIGINT,
      conflict_public_key BYTEA,
      conflict_at         BIGINT
    );
    CREATE INDEX IF NOT EXISTS agents_state ON agents (state);
    CREATE INDEX IF NOT EXISTS agents_hostname ON agents (hostname);
    CREATE TABLE IF NOT EXISTS audit_events (
      id             BIGSERIAL PRIMARY KEY,
      at             BIGINT NOT NULL,
      type           TEXT NOT NULL,
      actor          TEXT,
      target         TEXT,
      client_address TEXT,
      backend        TEXT,
      outcome        TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
      detail         TEXT
    );
    CREATE INDEX IF NOT EXISTS audit_events_at ON audit_events (at);
    CREATE INDEX IF NOT EXISTS audit_events_type_at ON audit_events (type, at);
    CREATE INDEX IF NOT EXISTS audit_events_actor_at ON audit_events (actor, at);
    CREATE TABLE IF NOT EXISTS totp_secrets (
      username       TEXT PRIMARY KEY,
      secret         TEXT NOT NULL,
      confirmed      BOOLEAN NOT NULL DEFAULT false,
      last_time_step BIGINT NOT NULL DEFAULT -1,
      created_at     BIGINT NOT NULL,
      confirmed_at   BIGINT
    );
  `,
};
