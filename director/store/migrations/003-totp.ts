import type { Migration } from './index.ts';

export const totp: Migration = {
  version: 3,
  name: 'totp',
  sql: `
    -- One TOTP secret per user; unconfirmed until the user proved a code from it.
    CREATE TABLE totp_secrets (
      username        TEXT PRIMARY KEY,
      secret          TEXT NOT NULL,
      confirmed       INTEGER NOT NULL DEFAULT 0,
      -- highest time step accepted so far: a code of that step or earlier is a replay
      last_time_step  INTEGER NOT NULL DEFAULT -1,
      created_at      INTEGER NOT NULL,
      confirmed_at    INTEGER
    );
  `,
};
