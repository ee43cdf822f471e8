import type { PgMigration } from './index.ts';

/** The aggregates the bun:sqlite migrations 001-003 hold: agents, audit events, TOTP secrets. Times are epoch ms. */
export const base: PgMigration = {
  version: 1,
  name: 'agents, audit, totp',
  sql: `
    CREATE TABLE agents (
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
    CREATE INDEX agents_state ON agents (state);
    CREATE INDEX agents_hostname ON agents (hostname);

    CREATE TABLE audit_events (
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
    CREATE INDEX audit_events_at ON audit_events (at);
    CREATE INDEX audit_events_type_at ON audit_events (type, at);
    CREATE INDEX audit_events_actor_at ON audit_events (actor, at);

    CREATE TABLE totp_secrets (
      username       TEXT PRIMARY KEY,
      secret         TEXT NOT NULL,
      confirmed      BOOLEAN NOT NULL DEFAULT false,
      last_time_step BIGINT NOT NULL DEFAULT -1,
      created_at     BIGINT NOT NULL,
      confirmed_at   BIGINT
    );
  `,
};
