import type { SchemaStep } from './step.ts';

/**
 * Session shares: an owner lets another user into a running session, as viewer or collaborator. One
 * row per session and invitee. `owner` and `granted_at` tie the row to the session it was made for:
 * a row counts only while a live session of that id has that owner and was created before the grant,
 * so a session id used again later never inherits an old share (and the housekeeper deletes such rows).
 */
export const sessionShares: SchemaStep = {
  version: 12,
  name: 'session shares',
  sqlite: `
    CREATE TABLE session_shares (
      session_id  TEXT NOT NULL,
      username    TEXT NOT NULL,
      role        TEXT NOT NULL CHECK (role IN ('viewer', 'collaborator')),
      owner       TEXT NOT NULL,
      granted_at  INTEGER NOT NULL,
      PRIMARY KEY (session_id, username)
    );
    CREATE INDEX session_shares_username ON session_shares (username);
  `,
  postgres: `
    CREATE TABLE session_shares (
      session_id  TEXT NOT NULL,
      username    TEXT NOT NULL,
      role        TEXT NOT NULL CHECK (role IN ('viewer', 'collaborator')),
      owner       TEXT NOT NULL,
      granted_at  BIGINT NOT NULL,
      PRIMARY KEY (session_id, username)
    );
    CREATE INDEX session_shares_username ON session_shares (username);
  `,
};
