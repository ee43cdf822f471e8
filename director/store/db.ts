import { Database } from 'bun:sqlite';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { silentLogger, type Logger } from '../../shared/log.ts';
import { migrateSqlite } from './migrate.ts';

/**
 * The director's embedded database, {data_dir}/agents.db (the specification's name; it holds every
 * aggregate of the embedded store): WAL, foreign keys on, brought up to the current schema on open
 * (the steps adopted and run are logged to `log`).
 */
export function openDatabase(path: string, log: Logger = silentLogger): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path, { create: true, strict: true });
  if (path !== ':memory:') chmodSync(path, 0o600);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  migrateSqlite(db, log);
  return db;
}
