import { SQL } from 'bun';
import type { Logger } from '../../shared/log.ts';
import { pgMigrations, type PgMigration } from './pg-migrations/index.ts';

/** Advisory lock keys (one namespace per purpose); the migration lock is held only while migrating. */
export const ADVISORY_LOCKS = { migrate: 0x64637601, identity: 0x64637602, leader: 0x64637603 } as const;

/** "postgres://user:secret@host/db" -> "postgres://user:***@host/db": the only form a URL may be logged in. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const param of [...parsed.searchParams.keys()]) if (/pass|secret|key/i.test(param)) parsed.searchParams.set(param, '***');
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Connects Bun's built-in PostgreSQL client. The password, when given, replaces any in the URL (it
 * comes from store_password_file or DCVIX_STORE_PASSWORD, never argv). Fails fast when the server
 * cannot be reached, naming the redacted URL.
 */
export async function connectPostgres(url: string, password: string | undefined, opts: { max?: number } = {}): Promise<SQL> {
  const sql = new SQL(url, { max: opts.max ?? 10, ...(password ? { password } : {}), connectionTimeout: 5, idleTimeout: 60 });
  try {
    await sql`SELECT 1`;
  } catch (err) {
    await sql.close().catch(() => {});
    throw new Error(`cannot reach the store at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  return sql;
}

/**
 * Applies pending migrations once, even when several directors start together: one connection takes
 * a session advisory lock, the others wait on it and then find nothing left to do. Returns the
 * versions this call applied.
 */
export async function migratePostgres(sql: SQL, log: Logger, list: PgMigration[] = pgMigrations): Promise<number[]> {
  const conn = await sql.reserve();
  const applied: number[] = [];
  try {
    await conn`SELECT pg_advisory_lock(${ADVISORY_LOCKS.migrate})`;
    try {
      await conn`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
      const done = new Set((await conn`SELECT version FROM schema_migrations`).map((r: { version: number }) => r.version));
      for (const step of list) {
        if (done.has(step.version)) continue;
        await conn.begin(async (tx) => {
          await tx.unsafe(step.sql);
          await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${step.version}, ${step.name}, ${Date.now()})`;
        });
        applied.push(step.version);
        log.info('store migration applied', { version: step.version, name: step.name });
      }
    } finally {
      await conn`SELECT pg_advisory_unlock(${ADVISORY_LOCKS.migrate})`;
    }
  } finally {
    conn.release();
  }
  return applied;
}
