import type { Migration } from './index.ts';

export const agents: Migration = {
  version: 1,
  name: 'agents',
  sql: `
    CREATE TABLE agents (
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
    CREATE INDEX agents_state ON agents (state);
  `,
};
