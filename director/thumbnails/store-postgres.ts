import type { SQL } from 'bun';
import { thumbnailFromRow, type ThumbnailRow, type ThumbnailStore } from './store.ts';

/** ThumbnailStore on PostgreSQL (Bun.sql), shared by every director on the store. */
export function createPostgresThumbnailStore(sql: SQL): ThumbnailStore {
  return {
    async get(sessionId) {
      const rows = (await sql`SELECT * FROM session_thumbnails WHERE session_id = ${sessionId}`) as ThumbnailRow[];
      return rows[0] ? thumbnailFromRow(rows[0]) : undefined;
    },
    async put(record) {
      await sql`INSERT INTO session_thumbnails (session_id, taken_at, max_width, max_height, png)
        VALUES (${record.sessionId}, ${record.takenAt}, ${record.maxWidth}, ${record.maxHeight}, ${record.png})
        ON CONFLICT (session_id) DO UPDATE SET taken_at = excluded.taken_at, max_width = excluded.max_width, max_height = excluded.max_height, png = excluded.png
        WHERE excluded.taken_at >= session_thumbnails.taken_at`;
    },
    async purge(before) {
      const result = await sql`DELETE FROM session_thumbnails
        WHERE taken_at < ${before} OR session_id NOT IN (SELECT id FROM sessions WHERE state IN ('starting', 'running'))`;
      return result.count;
    },
  };
}
