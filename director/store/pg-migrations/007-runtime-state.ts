import type { PgMigration } from './index.ts';

/**
 * Runtime state shared by every director: each server's last known entry and its sessions (written
 * behind by whichever director received the agent's update), and login throttle failures per key.
 * The GIN index answers "which servers hold sessions of this user" (placement, under the user's lock).
 */
export const runtimeState: PgMigration = {
  version: 7,
  name: 'shared runtime state and login throttle',
  sql: `
    CREATE TABLE runtime_servers (
      id         TEXT PRIMARY KEY,
      guid       TEXT NOT NULL,
      entry      JSONB NOT NULL,
      sessions   JSONB NOT NULL,
      written_at BIGINT NOT NULL
    );
    CREATE INDEX runtime_servers_sessions ON runtime_servers USING GIN (sessions jsonb_path_ops);
    CREATE TABLE login_throttle (
      key      TEXT PRIMARY KEY,
      failures JSONB NOT NULL,
      newest   BIGINT NOT NULL
    );
    CREATE INDEX login_throttle_newest ON login_throttle (newest);
  `,
};
