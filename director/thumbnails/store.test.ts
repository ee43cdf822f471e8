/**
 * The thumbnail store on both dialects, the same cases: bun:sqlite in memory and a private PostgreSQL
 * cluster started here.
 */
import type { SQL } from 'bun';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { silentLogger } from '../../shared/log.ts';
import { postgresMissingTools, startPostgres, type Postgres } from '../../tests/helpers/postgres.ts';
import { openDatabase } from '../store/db.ts';
import { migratePostgres } from '../store/migrate.ts';
import { connectPostgres } from '../store/postgres.ts';
import { createSqliteThumbnailStore, type ThumbnailRecord, type ThumbnailStore } from './store.ts';
import { createPostgresThumbnailStore } from './store-postgres.ts';

interface Backend {
  name: string;
  /** A fresh store, and a way to put a session row in the state given. */
  open(): Promise<{ store: ThumbnailStore; session(id: string, state: string): Promise<void> }>;
}

let pg: Postgres | undefined;
const clients: SQL[] = [];
let databases = 0;
const sessionRow = (id: string, state: string) => [id, 'ws1', 'alice', 'virtual', state, 'director', 1000, 1000, '{}', 2] as const;
const INSERT_SESSION = 'INSERT INTO sessions (id, server_id, owner, type, state, origin, created_at, refreshed_at, attrs, attrs_version) VALUES';

const backends: Backend[] = [
  {
    name: 'bun:sqlite',
    async open() {
      const db = openDatabase(':memory:');
      return {
        store: createSqliteThumbnailStore(db),
        session: async (id, state) => void db.query(`${INSERT_SESSION} (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...sessionRow(id, state)),
      };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const sql = await connectPostgres(await pg!.createDatabase(`thumbnails_${++databases}`), undefined, { max: 2 });
      clients.push(sql);
      await migratePostgres(sql, silentLogger);
      return {
        store: createPostgresThumbnailStore(sql),
        session: async (id, state) => void (await sql.unsafe(`${INSERT_SESSION} ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [...sessionRow(id, state)])),
      };
    },
  },
];

beforeAll(async () => {
  if (postgresMissingTools().length) throw new Error(`PostgreSQL 15 is not installed (${postgresMissingTools().join(', ')})`);
  pg = await startPostgres();
});
afterAll(async () => {
  for (const sql of clients) await sql.close();
  await pg?.stop();
});

const shot = (sessionId: string, takenAt: number, fill = 1): ThumbnailRecord => ({ sessionId, takenAt, maxWidth: 160, maxHeight: 100, png: new Uint8Array(64).fill(fill) });

describe.each(backends)('thumbnail store on $name', (backend) => {
  test('ok: one row per session; a newer image replaces it, an older one does not', async () => {
    const { store } = await backend.open();
    expect(await store.get('s1')).toBeUndefined();
    await store.put(shot('s1', 1000, 1));
    expect(await store.get('s1')).toEqual(shot('s1', 1000, 1));
    await store.put({ ...shot('s1', 2000, 2), maxWidth: 320, maxHeight: 200 });
    expect(await store.get('s1')).toEqual({ ...shot('s1', 2000, 2), maxWidth: 320, maxHeight: 200 });
    // Another director that was slower to get its image back does not overwrite the newer one.
    await store.put(shot('s1', 1500, 3));
    expect((await store.get('s1'))?.takenAt).toBe(2000);
  });

  test('ok: purge drops rows taken before the cut and rows of sessions not starting or running', async () => {
    const { store, session } = await backend.open();
    await session('live', 'running');
    await session('new', 'starting');
    await session('done', 'closed');
    for (const id of ['live', 'new', 'done', 'unknown']) await store.put(shot(id, 5000));
    await store.put(shot('old', 1000));
    await session('old', 'running');
    expect(await store.purge(2000)).toBe(3);
    expect((await Promise.all(['live', 'new', 'done', 'unknown', 'old'].map(async (id) => [id, !!(await store.get(id))]))).filter(([, kept]) => kept)).toEqual([
      ['live', true],
      ['new', true],
    ]);
  });

  test('rejects: an image over 2 MiB is refused by the table itself', async () => {
    const { store } = await backend.open();
    await expect(store.put({ ...shot('big', 1000), png: new Uint8Array(2 * 1024 * 1024 + 1) })).rejects.toThrow();
    expect(await store.get('big')).toBeUndefined();
  });
});
