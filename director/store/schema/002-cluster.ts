import type { SchemaStep } from './step.ts';

/**
 * What directors sharing a PostgreSQL store agree on: one CA (its private key sealed with the
 * operator's store CA key, never stored in the clear), one token key (only a keyed check value is
 * stored), and who is running (a heartbeat per director with the hash of the policy it loaded). The
 * embedded store has one director and keeps its CA in files: nothing to do there.
 */
export const cluster: SchemaStep = {
  version: 2,
  name: 'cluster identity and director instances',
  legacy: { postgres: [2, 3] },
  sqlite: '',
  postgres: `
    CREATE TABLE IF NOT EXISTS cluster_identity (
      id              INTEGER PRIMARY KEY CHECK (id = 1),
      ca_cert_pem     TEXT NOT NULL,
      ca_key_sealed   BYTEA NOT NULL,
      token_key_check TEXT NOT NULL,
      created_at      BIGINT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS director_instances (
      id          TEXT PRIMARY KEY,
      name        TEXT NOT NULL,
      policy_hash TEXT NOT NULL,
      started_at  BIGINT NOT NULL,
      last_seen   BIGINT NOT NULL
    );
  `,
};
