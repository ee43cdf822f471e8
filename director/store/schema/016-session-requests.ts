import type { SchemaStep } from './step.ts';

/**
 * What the Session Manager API reports of a session before and after the session row lives: a create
 * answered at once and still being placed (creating), a create that failed (failed, with the reason
 * describeSessions gives as StateReason), a delete under way (deleting) and done (deleted). One row per
 * session id, shared by every director so any of them answers describeSessions alike; rows that have
 * settled (failed, deleted) are purged after a while. `client_id` is the API client that asked.
 *
 * API clients get `owners`: the users (JSON array, or ["*"]) a client may create sessions for in its
 * pools even where the policy does not let them use that pool (NULL: the policy alone decides).
 */
export const sessionRequests: SchemaStep = {
  version: 16,
  name: 'session manager requests and api client owners',
  sqlite: `
    CREATE TABLE session_requests (
      id          TEXT PRIMARY KEY,
      owner       TEXT NOT NULL,
      client_id   TEXT NOT NULL,
      type        TEXT NOT NULL CHECK (type IN ('console', 'virtual')),
      name        TEXT,
      pool        TEXT,
      state       TEXT NOT NULL CHECK (state IN ('creating', 'failed', 'deleting', 'deleted')),
      reason      TEXT,
      created_at  INTEGER NOT NULL,
      updated_at  INTEGER NOT NULL
    );
    CREATE INDEX session_requests_updated ON session_requests (updated_at);
    ALTER TABLE api_clients ADD COLUMN owners TEXT;
  `,
  postgres: `
    CREATE TABLE session_requests (
      id          TEXT PRIMARY KEY,
      owner       TEXT NOT NULL,
      client_id   TEXT NOT NULL,
      type        TEXT NOT NULL CHECK (type IN ('console', 'virtual')),
      name        TEXT,
      pool        TEXT,
      state       TEXT NOT NULL CHECK (state IN ('creating', 'failed', 'deleting', 'deleted')),
      reason      TEXT,
      created_at  BIGINT NOT NULL,
      updated_at  BIGINT NOT NULL
    );
    CREATE INDEX session_requests_updated ON session_requests (updated_at);
    ALTER TABLE api_clients ADD COLUMN owners TEXT;
  `,
};
