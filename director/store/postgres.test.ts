import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { silentLogger } from '../../shared/log.ts';
import { startPostgres, type Postgres } from '../../tests/helpers/postgres.ts';
import { connectPostgres, migratePostgres, redactUrl } from './postgres.ts';
import { pgMigrations } from './pg-migrations/index.ts';

let pg: Postgres;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => pg?.stop());

describe('PostgreSQL store plumbing', () => {
  test('ok: three clients migrating at once apply each migration exactly once', async () => {
    const url = await pg.createDatabase('migrate_race');
    const clients = await Promise.all([1, 2, 3].map(() => connectPostgres(url, undefined, { max: 2 })));
    const applied = await Promise.all(clients.map((c) => migratePostgres(c, silentLogger)));
    expect(applied.flat().sort()).toEqual(pgMigrations.map((m) => m.version));
    const rows = await clients[0]!`SELECT version FROM schema_migrations`;
    expect(rows.map((r: { version: number }) => r.version)).toEqual(pgMigrations.map((m) => m.version));
    expect(await migratePostgres(clients[1]!, silentLogger)).toEqual([]);
    await Promise.all(clients.map((c) => c.close()));
  });

  test('rejects: a failing migration rolls back entirely and is not recorded', async () => {
    const url = await pg.createDatabase('migrate_fail');
    const sql = await connectPostgres(url, undefined);
    const broken = [...pgMigrations, { version: 999, name: 'broken', sql: 'CREATE TABLE half (x int); SELECT no_such_function();' }];
    await expect(migratePostgres(sql, silentLogger, broken)).rejects.toThrow();
    expect((await sql`SELECT to_regclass('half') AS t`)[0].t).toBeNull();
    expect((await sql`SELECT COUNT(*)::int AS n FROM schema_migrations WHERE version = 999`)[0].n).toBe(0);
    await sql.close();
  });

  test('ok: the password comes separately; an unreachable store names the redacted URL', async () => {
    const sql = await connectPostgres(pg.urlWithoutPassword, pg.password);
    expect((await sql`SELECT current_user AS u`)[0].u).toBe('dcvix');
    await sql.close();
    const wrong = `postgres://dcvix:hunter2-secret@127.0.0.1:1/dcvix`;
    const err = (await connectPostgres(wrong, undefined).catch((e: Error) => e)) as Error;
    expect(err.message).toContain('postgres://dcvix:***@127.0.0.1:1/dcvix');
    expect(err.message).not.toContain('hunter2');
  });

  test('ok: redactUrl hides passwords in the authority and the query', () => {
    expect(redactUrl('postgres://u:pw@h:5432/db?sslmode=require&password=x')).toBe('postgres://u:***@h:5432/db?sslmode=require&password=***');
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(redactUrl('not a url')).toBe('(unparseable URL)');
  });
});
