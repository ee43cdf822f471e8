import type { SchemaStep } from './step.ts';

/**
 * Session thumbnails: the last screenshot the director took of each session, shared by every director
 * on the store so that one of them asks the agent and the others answer from the row until it is older
 * than the cache time. One row per session (the newest image replaces the one before); `max_width` and
 * `max_height` are the bounds it was taken within. The PNG is bounded (2 MiB) by the table itself. The
 * housekeeper deletes rows past the cache time and rows whose session is no longer live.
 */
export const sessionThumbnails: SchemaStep = {
  version: 10,
  name: 'session thumbnails',
  sqlite: `
    CREATE TABLE session_thumbnails (
      session_id  TEXT PRIMARY KEY,
      taken_at    INTEGER NOT NULL,
      max_width   INTEGER NOT NULL,
      max_height  INTEGER NOT NULL,
      png         BLOB NOT NULL CHECK (length(png) <= 2097152)
    );
    CREATE INDEX session_thumbnails_taken_at ON session_thumbnails (taken_at);
  `,
  postgres: `
    CREATE TABLE session_thumbnails (
      session_id  TEXT PRIMARY KEY,
      taken_at    BIGINT NOT NULL,
      max_width   INTEGER NOT NULL,
      max_height  INTEGER NOT NULL,
      png         BYTEA NOT NULL CHECK (octet_length(png) <= 2097152)
    );
    CREATE INDEX session_thumbnails_taken_at ON session_thumbnails (taken_at);
  `,
};
