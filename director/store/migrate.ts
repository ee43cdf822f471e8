import type { Database } from 'bun:sqlite';
import type { SQL } from 'bun';
import { silentLogger, type Logger } from '../../shared/log.ts';
import { ADVISORY_LOCKS } from './postgres.ts';
import { SCHEMA } from './schema/index.ts';
import type { Dialect, SchemaStep } from './schema/step.ts';

/** The store was written by a newer director, or by a release this one cannot upgrade from. */
export class StoreSchemaError extends Error {
  override name = 'StoreSchemaError';
}

/** What opening a store must do: steps to record as already done (adopted), steps to run. */
export interface MigrationPlan {
  adopt: SchemaStep[];
  apply: SchemaStep[];
}

/**
 * Which steps of `list` a store still needs. `recorded` are the versions in schema_versions; `legacy`
 * the versions of the per-dialect chain used before the one list (table schema_migrations), given
 * only while schema_versions is still empty. A step whose old versions are all present is adopted; one
 * with only some of them is run again (such steps are re-runnable).
 * @throws StoreSchemaError when the store is newer than `list`, or holds an old version no step names
 */
export function planMigrations(dialect: Dialect, recorded: ReadonlySet<number>, legacy: ReadonlySet<number> | undefined, list: readonly SchemaStep[] = SCHEMA): MigrationPlan {
  const known = list.at(-1)?.version ?? 0;
  const newest = Math.max(0, ...recorded);
  if (newest > known) {
    throw new StoreSchemaError(`the store's schema is at version ${newest}, newer than this director knows (up to ${known}): run the director release that wrote it, or a later one`);
  }
  const named = new Set(list.flatMap((step) => step.legacy?.[dialect] ?? []));
  const unknown = [...(legacy ?? [])].filter((version) => !named.has(version));
  if (unknown.length) throw new StoreSchemaError(`the store holds old schema versions this director does not know (${unknown.join(', ')}): it was written by another release`);
  const plan: MigrationPlan = { adopt: [], apply: [] };
  for (const step of list) {
    if (recorded.has(step.version)) continue;
    const parts = step.legacy?.[dialect] ?? [];
    if (legacy && parts.length > 0 && parts.every((version) => legacy.has(version))) plan.adopt.push(step);
    else plan.apply.push(step);
  }
  return plan;
}

const HISTORY_TABLE = 'CREATE TABLE IF NOT EXISTS schema_versions (version INTEGER PRIMARY KEY, name TEXT NOT NULL, how TEXT NOT NULL, applied_at BIGINT NOT NULL)';

// Both dialects log alike: an operator upgrading either store sees what was adopted and what ran.
const logAdopted = (log: Logger, steps: SchemaStep[]) => {
  if (steps.length) log.info('store schema adopted from the earlier numbering', { versions: steps.map((step) => step.version) });
};
const logApplied = (log: Logger, step: SchemaStep) => log.info('store migration applied', { version: step.version, name: step.name });

/** Brings a bun:sqlite store up to date; each step in its own transaction. Returns the versions run. */
export function migrateSqlite(db: Database, log: Logger = silentLogger, list: readonly SchemaStep[] = SCHEMA): number[] {
  db.exec(HISTORY_TABLE);
  const recorded = new Set(
    db
      .query<{ version: number }, []>('SELECT version FROM schema_versions')
      .all()
      .map((row) => row.version),
  );
  const hasLegacy = recorded.size === 0 && db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== null;
  const legacy = hasLegacy
    ? new Set(
        db
          .query<{ version: number }, []>('SELECT version FROM schema_migrations')
          .all()
          .map((row) => row.version),
      )
    : undefined;
  const plan = planMigrations('sqlite', recorded, legacy, list);
  const record = db.query('INSERT INTO schema_versions (version, name, how, applied_at) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const step of plan.adopt) record.run(step.version, step.name, 'adopted', Date.now());
  })();
  logAdopted(log, plan.adopt);
  for (const step of plan.apply) {
    db.transaction(() => {
      if (step.sqlite.trim()) db.exec(step.sqlite);
      record.run(step.version, step.name, 'applied', Date.now());
    })();
    logApplied(log, step);
  }
  return plan.apply.map((step) => step.version);
}

/**
 * Brings a PostgreSQL store up to date once, even when several directors start together: one
 * connection holds a session advisory lock while it plans and runs the steps (each in its own
 * transaction); the others wait on the lock and then find nothing left to do. Returns the versions run.
 */
export async function migratePostgres(sql: SQL, log: Logger, list: readonly SchemaStep[] = SCHEMA): Promise<number[]> {
  const conn = await sql.reserve();
  try {
    await conn`SELECT pg_advisory_lock(${ADVISORY_LOCKS.migrate})`;
    try {
      await conn.unsafe(HISTORY_TABLE);
      const recorded = new Set<number>((await conn`SELECT version FROM schema_versions`).map((row: { version: number }) => row.version));
      const [{ legacy: hasLegacy }] = await conn`SELECT to_regclass('schema_migrations') IS NOT NULL AS legacy`;
      const legacy = recorded.size === 0 && hasLegacy ? new Set<number>((await conn`SELECT version FROM schema_migrations`).map((row: { version: number }) => row.version)) : undefined;
      const plan = planMigrations('postgres', recorded, legacy, list);
      for (const step of plan.adopt) await conn`INSERT INTO schema_versions (version, name, how, applied_at) VALUES (${step.version}, ${step.name}, 'adopted', ${Date.now()})`;
      logAdopted(log, plan.adopt);
      for (const step of plan.apply) {
        await conn.begin(async (tx) => {
          if (step.postgres.trim()) await tx.unsafe(step.postgres);
          await tx`INSERT INTO schema_versions (version, name, how, applied_at) VALUES (${step.version}, ${step.name}, 'applied', ${Date.now()})`;
        });
        logApplied(log, step);
      }
      return plan.apply.map((step) => step.version);
    } finally {
      await conn`SELECT pg_advisory_unlock(${ADVISORY_LOCKS.migrate})`;
    }
  } finally {
    conn.release();
  }
}
