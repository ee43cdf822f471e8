import { afterEach, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../shared/log.ts';
import { WalCheckpointer } from './checkpointer.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function walDatabase(): { db: Database; path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-checkpointer-'));
  dirs.push(dir);
  const path = join(dir, 'agents.db');
  const db = new Database(path, { create: true, strict: true });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  return { db, path, dir };
}

const autocheckpoint = (db: Database) => db.query<{ wal_autocheckpoint: number }, []>('PRAGMA wal_autocheckpoint').get()!.wal_autocheckpoint;

/** Rows the database file holds by itself: copied without its WAL, so only what a checkpoint put there. */
function rowsInFileAlone(path: string, dir: string): number {
  const copy = join(dir, `alone-${Math.random()}.db`);
  copyFileSync(path, copy);
  const alone = new Database(copy, { readonly: true });
  try {
    return alone.query<{ n: number }, []>('SELECT count(*) AS n FROM t').get()!.n;
  } finally {
    alone.close();
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

describe('WalCheckpointer', () => {
  test('the director connection stops checkpointing; the thread copies its commits into the database file', async () => {
    const { db, path, dir } = walDatabase();
    const checkpointer = WalCheckpointer.start(db, path, silentLogger, { intervalMs: 20 });
    expect(autocheckpoint(db)).toBe(0);
    // 3,000 pages of commits: SQLite alone would have checkpointed on this thread twice.
    const insert = db.query('INSERT INTO t (v) VALUES (?)');
    for (let row = 0; row < 3000; row++) insert.run('x'.repeat(3000));
    // Reports of checkpoints that ran during the writes arrive now; count from after them.
    await Bun.sleep(100);
    const before = checkpointer.counts.checkpoints;
    await until(() => checkpointer.counts.checkpoints > before + 1, 'two checkpoints after the writes');
    // Stopped first, so no checkpoint is writing the file while it is copied.
    await checkpointer.stop();
    expect(rowsInFileAlone(path, dir)).toBe(3000);
    db.close();
  });

  test('a WAL the thread cannot empty (writes never pause) is finished on the main thread', async () => {
    const { db, path } = walDatabase();
    const checkpointer = WalCheckpointer.start(db, path, silentLogger, { intervalMs: 10, finishAbovePages: 50 });
    const insert = db.query('INSERT INTO t (v) VALUES (?)');
    // Commits every millisecond, each a page, while the thread checkpoints every 10 ms.
    const deadline = Date.now() + 5000;
    while (checkpointer.counts.finishedHere === 0 && Date.now() < deadline) {
      insert.run('y'.repeat(3000));
      await Bun.sleep(1);
    }
    expect(checkpointer.counts.finishedHere).toBeGreaterThan(0);
    await checkpointer.stop();
    db.close();
  });

  test('a thread that cannot start gives the checkpoints back to SQLite, and says so', async () => {
    const { db, path } = walDatabase();
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (msg: string) => warnings.push(msg) } as Logger;
    const checkpointer = WalCheckpointer.start(db, path, log, { workerUrl: join(import.meta.dir, 'no-such-worker.ts') });
    await until(() => warnings.length > 0, 'the warning');
    expect(autocheckpoint(db)).toBe(1000);
    expect(warnings[0]).toContain('SQLite checkpoints on the main thread again');
    await checkpointer.stop();
    db.close();
  });

  test('stop closes the thread and its connection: the database closes and its WAL is gone', async () => {
    const { db, path } = walDatabase();
    const checkpointer = WalCheckpointer.start(db, path, silentLogger, { intervalMs: 20 });
    db.query('INSERT INTO t (v) VALUES (?)').run('w');
    await until(() => checkpointer.counts.checkpoints > 0, 'a checkpoint');
    await checkpointer.stop();
    await checkpointer.stop();
    db.close();
    // The last connection to close checkpoints and removes the WAL: none was left open by the thread.
    expect(await Bun.file(`${path}-wal`).exists()).toBe(false);
  });
});
