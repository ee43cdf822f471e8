import type { PgMigration } from './index.ts';

/** Directors sharing the store announce themselves (heartbeat) with the hash of the policy they loaded. */
export const directorInstances: PgMigration = {
  version: 3,
  name: 'director instances',
  sql: `
    CREATE TABLE director_instances (
      id          TEXT PRIMARY KEY,
      name        TEXT NOT NULL,
      policy_hash TEXT NOT NULL,
      started_at  BIGINT NOT NULL,
      last_seen   BIGINT NOT NULL
    );
  `,
};
