import type { PgMigration } from './index.ts';

/**
 * What directors sharing a store must agree on: one CA (its private key sealed with the operator's
 * store CA key, never stored in the clear) and one token key (only a keyed check value is stored).
 */
export const clusterIdentity: PgMigration = {
  version: 2,
  name: 'cluster identity',
  sql: `
    CREATE TABLE cluster_identity (
      id              INTEGER PRIMARY KEY CHECK (id = 1),
      ca_cert_pem     TEXT NOT NULL,
      ca_key_sealed   BYTEA NOT NULL,
      token_key_check TEXT NOT NULL,
      created_at      BIGINT NOT NULL
    );
  `,
};
