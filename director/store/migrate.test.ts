import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { silentLogger } from '../../shared/log.ts';
import { startPostgres, type Postgres } from '../../tests/helpers/postgres.ts';
import { migratePostgres, migrateSqlite, planMigrations, refuseBesideOlder, StoreSchemaError } from './migrate.ts';
import { connectPostgres, redactUrl } from './postgres.ts';
import { auditChain } from './schema/015-audit-chain.ts';
import { SCHEMA } from './schema/index.ts';
import type { SchemaStep } from './schema/step.ts';

const step = (version: number, legacy?: SchemaStep['legacy']): SchemaStep => ({ version, name: `s${version}`, sqlite: '', postgres: '', legacy });
const LIST = [step(1, { sqlite: [1, 2], postgres: [1] }), step(2, { postgres: [2] }), step(3, { sqlite: [3], postgres: [3, 4] }), step(4)];
const versions = (steps: SchemaStep[]) => steps.map((s) => s.version);

describe('one migration list for both dialects', () => {
  test('ok: a new store runs every step; a current one nothing', () => {
    const fresh = planMigrations('sqlite', new Set(), undefined, LIST);
    expect([versions(fresh.adopt), versions(fresh.apply)]).toEqual([[], [1, 2, 3, 4]]);
    const current = planMigrations('postgres', new Set([1, 2, 3, 4]), undefined, LIST);
    expect([versions(current.adopt), versions(current.apply)]).toEqual([[], []]);
  });

  test('ok: an old per-dialect chain is adopted step by step; a step with only part of its old versions runs again', () => {
    const sqlite = planMigrations('sqlite', new Set(), new Set([1, 2, 3]), LIST);
    expect([versions(sqlite.adopt), versions(sqlite.apply)]).toEqual([
      [1, 3],
      [2, 4],
    ]);
    const partial = planMigrations('postgres', new Set(), new Set([1, 2, 3]), LIST);
    expect([versions(partial.adopt), versions(partial.apply)]).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  test('rejects: a store newer than this director, or an old version no step names', () => {
    expect(() => planMigrations('sqlite', new Set([1, 2, 3, 4, 5]), undefined, LIST)).toThrow(StoreSchemaError);
    expect(() => planMigrations('sqlite', new Set([1, 2, 3, 4, 5]), undefined, LIST)).toThrow(/at version 5 and needs a director that knows schema version 5 or later; this one knows up to 4/);
    expect(() => planMigrations('postgres', new Set(), new Set([1, 9]), LIST)).toThrow(/old schema versions this director does not know \(9\)/);
  });

  test('ok: a store newer than this director is accepted when every newer step lets older directors run beside it', () => {
    const plan = planMigrations(
      'sqlite',
      new Set([1, 2, 3, 4, 5, 6]),
      undefined,
      LIST,
      new Map([
        [5, 4],
        [6, 4],
      ]),
    );
    expect([versions(plan.apply), plan.ahead]).toEqual([[], 6]);
  });

  test('rejects: a newer step that does not allow it names the schema version the store needs', () => {
    expect(() => planMigrations('postgres', new Set([1, 2, 3, 4, 5, 6]), undefined, LIST, new Map([[5, 4]]))).toThrow(
      /at version 6 and needs a director that knows schema version 6 or later; this one knows up to 4/,
    );
  });

  test('rejects: a step older directors cannot run beside is not applied while one runs; a compatible one is', () => {
    const strict = { ...step(5), name: 'strict' };
    const additive = { ...step(5), oldestReader: 4 };
    expect(() =>
      refuseBesideOlder(
        [strict],
        [
          { name: 'd1:8445', known: 5 },
          { name: 'd2:8445', known: 4 },
        ],
      ),
    ).toThrow(/director d2:8445 \(knows schema up to 4\) is running.*schema version 5 \(strict\) needs every director to know version 5/);
    expect(() => refuseBesideOlder([additive], [{ name: 'd2:8445', known: 4 }])).not.toThrow();
    expect(() => refuseBesideOlder([additive], [{ name: 'old:8445', known: null }])).toThrow(new RegExp(`knows schema up to version ${auditChain.version - 1} or earlier`));
  });

  test('ok: the real list numbers its steps 1..n, and every old version of both chains is named once', () => {
    expect(SCHEMA.map((s) => s.version)).toEqual(SCHEMA.map((_, index) => index + 1));
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const named = SCHEMA.flatMap((s) => s.legacy?.[dialect] ?? []).sort((a, b) => a - b);
      expect(named).toEqual(named.map((_, index) => index + 1));
    }
  });

  test('ok: bun:sqlite: a new database gets every step once; reopening applies nothing', () => {
    const db = new Database(':memory:');
    expect(migrateSqlite(db)).toEqual(SCHEMA.map((s) => s.version));
    expect(migrateSqlite(db)).toEqual([]);
    expect(db.query('SELECT how FROM schema_versions').all()).toEqual(SCHEMA.map(() => ({ how: 'applied' })));
  });

  test('ok: bun:sqlite: step 8 gives servers stored before it an empty drain mark (open)', () => {
    const db = new Database(':memory:');
    migrateSqlite(db, silentLogger, SCHEMA.slice(0, 7));
    db.run(`INSERT INTO servers (id, guid, revision, state, address, agent_port, health_since, last_seen, attrs, attrs_version, updated_at)
            VALUES ('ws1', 'g1', 3, 'active', '10.0.0.1', 8446, 1, 1, '{}', 2, 1)`);
    expect(migrateSqlite(db)).toEqual(SCHEMA.slice(7).map((s) => s.version));
    expect(db.query('SELECT revision, drained_at, drained_by, drain_reason FROM servers').all()).toEqual([{ revision: 3, drained_at: null, drained_by: null, drain_reason: null }]);
  });

  test('ok: bun:sqlite: step 11 adds session shares to a store made before it; a role other than viewer or collaborator is refused', () => {
    const db = new Database(':memory:');
    migrateSqlite(
      db,
      silentLogger,
      SCHEMA.filter((s) => s.version < 11),
    );
    expect(migrateSqlite(db)).toEqual(SCHEMA.filter((s) => s.version >= 11).map((s) => s.version));
    db.run("INSERT INTO session_shares (session_id, username, role, owner, granted_at) VALUES ('s1', 'bob', 'viewer', 'alice', 1)");
    expect(() => db.run("INSERT INTO session_shares (session_id, username, role, owner, granted_at) VALUES ('s1', 'carol', 'admin', 'alice', 1)")).toThrow(/CHECK/);
    expect(() => db.run("INSERT INTO session_shares (session_id, username, role, owner, granted_at) VALUES ('s1', 'bob', 'viewer', 'alice', 2)")).toThrow(/UNIQUE/);
    expect(db.query('SELECT session_id, username, role, owner, granted_at FROM session_shares').all()).toEqual([{ session_id: 's1', username: 'bob', role: 'viewer', owner: 'alice', granted_at: 1 }]);
  });

  test('rejects: bun:sqlite: a failing step rolls back entirely and is not recorded', () => {
    const db = new Database(':memory:');
    const broken = [...SCHEMA, { ...step(SCHEMA.length + 1), sqlite: 'CREATE TABLE half (x int); SELECT no_such_function();' }];
    expect(() => migrateSqlite(db, silentLogger, broken)).toThrow();
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeNull();
    expect(db.query('SELECT MAX(version) AS v FROM schema_versions').get()).toEqual({ v: SCHEMA.length });
  });
});

describe('PostgreSQL store plumbing', () => {
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => pg?.stop());

  test('ok: three clients migrating at once apply each step exactly once', async () => {
    const url = await pg.createDatabase('migrate_race');
    const clients = await Promise.all([1, 2, 3].map(() => connectPostgres(url, undefined, { max: 2 })));
    const applied = await Promise.all(clients.map((c) => migratePostgres(c, silentLogger)));
    expect(applied.flat().sort((a, b) => a - b)).toEqual(SCHEMA.map((m) => m.version));
    const rows = await clients[0]!`SELECT version FROM schema_versions ORDER BY version`;
    expect(rows.map((r: { version: number }) => r.version)).toEqual(SCHEMA.map((m) => m.version));
    expect(await migratePostgres(clients[1]!, silentLogger)).toEqual([]);
    await Promise.all(clients.map((c) => c.close()));
  });

  test('rejects: a failing step rolls back entirely and is not recorded', async () => {
    const url = await pg.createDatabase('migrate_fail');
    const sql = await connectPostgres(url, undefined);
    const broken = [...SCHEMA, { ...step(SCHEMA.length + 1), postgres: 'CREATE TABLE half (x int); SELECT no_such_function();' }];
    await expect(migratePostgres(sql, silentLogger, broken)).rejects.toThrow();
    expect((await sql`SELECT to_regclass('half') AS t`)[0].t).toBeNull();
    expect((await sql`SELECT COUNT(*)::int AS n FROM schema_versions WHERE version = ${SCHEMA.length + 1}`)[0].n).toBe(0);
    await sql.close();
  });

  test('ok: the password comes separately; an unreachable store names the redacted URL', async () => {
    const sql = await connectPostgres(pg.urlWithoutPassword, pg.password);
    expect((await sql`SELECT current_user AS u`)[0].u).toBe('dcvix');
    await sql.close();
    const wrong = 'postgres://dcvix:hunter2-secret@127.0.0.1:1/dcvix';
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
