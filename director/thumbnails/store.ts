import type { Database } from 'bun:sqlite';

/** A session's last screenshot as stored (table session_thumbnails). */
export interface ThumbnailRecord {
  sessionId: string;
  /** When the director got it from the agent (epoch ms). */
  takenAt: number;
  /** The bounds it was taken within. */
  maxWidth: number;
  maxHeight: number;
  png: Uint8Array<ArrayBuffer>;
}

/** A row of session_thumbnails (same columns in both stores). */
export interface ThumbnailRow {
  session_id: string;
  taken_at: number | string;
  max_width: number;
  max_height: number;
  png: Uint8Array;
}

/** A row from either store (PostgreSQL hands int8 as strings and bytea as Buffer) as a record. */
export const thumbnailFromRow = (row: ThumbnailRow): ThumbnailRecord => ({
  sessionId: row.session_id,
  takenAt: Number(row.taken_at),
  maxWidth: Number(row.max_width),
  maxHeight: Number(row.max_height),
  png: new Uint8Array(row.png),
});

/**
 * Session thumbnails, on bun:sqlite (below) or PostgreSQL (store-postgres.ts); both pass the same
 * tests (store.test.ts). One row per session: a newer image replaces an older one, never the reverse.
 */
export interface ThumbnailStore {
  get(sessionId: string): Promise<ThumbnailRecord | undefined>;
  /** Keeps `record` unless the row holds an image taken later (another director was quicker). */
  put(record: ThumbnailRecord): Promise<void>;
  /**
   * Deletes rows taken before `before` and rows whose session is not live (states starting and running
   * of table sessions); returns how many.
   */
  purge(before: number): Promise<number>;
}

/** ThumbnailStore on the embedded database: every statement prepared once. */
export function createSqliteThumbnailStore(db: Database): ThumbnailStore {
  const statements = {
    get: db.query<ThumbnailRow, [string]>('SELECT * FROM session_thumbnails WHERE session_id = ?'),
    put: db.query(
      `INSERT INTO session_thumbnails (session_id, taken_at, max_width, max_height, png) VALUES ($sessionId, $takenAt, $maxWidth, $maxHeight, $png)
       ON CONFLICT (session_id) DO UPDATE SET taken_at = excluded.taken_at, max_width = excluded.max_width, max_height = excluded.max_height, png = excluded.png
       WHERE excluded.taken_at >= session_thumbnails.taken_at`,
    ),
    purge: db.query<unknown, [{ before: number }]>(`DELETE FROM session_thumbnails WHERE taken_at < $before OR session_id NOT IN (SELECT id FROM sessions WHERE state IN ('starting', 'running'))`),
  };
  return {
    get: async (sessionId) => {
      const row = statements.get.get(sessionId);
      return row ? thumbnailFromRow(row) : undefined;
    },
    async put(record) {
      statements.put.run({ ...record });
    },
    purge: async (before) => statements.purge.run({ before }).changes,
  };
}
