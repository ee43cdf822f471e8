import type { SchemaStep } from './step.ts';

/**
 * The access policy as versions: each save (an admin's edit in the web app, `dcvix-director policy
 * import`, or the policy files seeding an empty store at first start) is a new row, never an update,
 * so the newest row is the policy in force and the older ones its history. `users` and `pools` hold
 * the two documents as the JSON text that was saved (users.json and pools.json). A save is one
 * conditional insert of `newest + 1`: two saves made from the same version cannot both land.
 */
export const policyVersions: SchemaStep = {
  version: 11,
  name: 'policy versions',
  sqlite: `
    CREATE TABLE policy_versions (
      version     INTEGER PRIMARY KEY,
      users       TEXT NOT NULL,
      pools       TEXT NOT NULL,
      source      TEXT NOT NULL,
      created_at  INTEGER NOT NULL,
      created_by  TEXT NOT NULL
    );
  `,
  postgres: `
    CREATE TABLE policy_versions (
      version     INTEGER PRIMARY KEY,
      users       TEXT NOT NULL,
      pools       TEXT NOT NULL,
      source      TEXT NOT NULL,
      created_at  BIGINT NOT NULL,
      created_by  TEXT NOT NULL
    );
  `,
};
