import type { SchemaStep } from './step.ts';

/**
 * API clients: portals and scripts that speak the Session Manager API with OAuth2 client credentials.
 * The secret is kept only as its Bun.password hash. `scopes`, `users` and `pools` are JSON arrays
 * (`users`/`pools` NULL: no limit). A disabled client stays listed, so its name still explains old
 * audit events; its tokens are refused from the moment `disabled_at` is set.
 */
export const apiClients: SchemaStep = {
  version: 14,
  name: 'api clients',
  sqlite: `
    CREATE TABLE api_clients (
      id           TEXT PRIMARY KEY,
      name         TEXT NOT NULL UNIQUE,
      secret_hash  TEXT NOT NULL,
      scopes       TEXT NOT NULL,
      users        TEXT,
      pools        TEXT,
      created_at   INTEGER NOT NULL,
      created_by   TEXT NOT NULL,
      rotated_at   INTEGER,
      disabled_at  INTEGER,
      disabled_by  TEXT
    );
  `,
  postgres: `
    CREATE TABLE api_clients (
      id           TEXT PRIMARY KEY,
      name         TEXT NOT NULL UNIQUE,
      secret_hash  TEXT NOT NULL,
      scopes       TEXT NOT NULL,
      users        TEXT,
      pools        TEXT,
      created_at   BIGINT NOT NULL,
      created_by   TEXT NOT NULL,
      rotated_at   BIGINT,
      disabled_at  BIGINT,
      disabled_by  TEXT
    );
  `,
};
