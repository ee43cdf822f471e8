import type { Database } from 'bun:sqlite';
import type { SQL } from 'bun';
import { silentLogger, type Logger } from '../../shared/log.ts';
import { ADVISORY_LOCKS } from './postgres.ts';
import { auditChain } from './schema/015-audit-chain.ts';
import { schemaInUse } from './schema/extra-steps.ts';
import type { Dialect, SchemaStep } from './schema/step.ts';

/** The store was written by a newer director, or by a release this one cannot upgrade from. */
export class StoreSchemaError extends Error {
  override name = 'StoreSchemaError';
}

/** What opening a store must do: steps to record as already done (adopted), steps to run. */
export interface MigrationPlan {
  adopt: SchemaStep[];
  apply: SchemaStep[];
  /** Set when the store is newer than this director but every newer step lets it run beside them: the store's version. */
  ahead?: number;
}

/** The oldest schema version a director may know to run on a store with `step` (its own version unless it says). */
export const oldestReader = (step: Pick<SchemaStep, 'version' | 'oldestReader'>) => step.oldestReader ?? step.version;

/**
 * Which steps of `list` a store still needs. `recorded` are the versions in schema_versions; `legacy`
 * the versions of the per-dialect chain used before the one list (table schema_migrations), given
 * only while schema_versions is still empty. A step whose old versions are all present is adopted; one
 * with only some of them is run again (such steps are re-runnable).
 * `readers` holds, per recorded version, the oldest schema version a director may know to run on it
 * (absent: the version itself). A store newer than `list` is accepted when every recorded step allows it.
 * @throws StoreSchemaError when the store needs a newer director, or holds an old version no step names
 */
export function planMigrations(
  dialect: Dialect,
  recorded: ReadonlySet<number>,
  legacy: ReadonlySet<number> | undefined,
  list: readonly SchemaStep[] = schemaInUse(),
  readers: ReadonlyMap<number, number> = new Map(),
): MigrationPlan {
  const known = list.at(-1)?.version ?? 0;
  const newest = Math.max(0, ...recorded);
  let ahead: number | undefined;
  if (newest > known) {
    const needs = Math.max(...[...recorded].map((version) => readers.get(version) ?? version));
    if (needs > known) {
      throw new StoreSchemaError(
        `the store's schema is at version ${newest} and needs a director that knows schema version ${needs} or later; this one knows up to ${known}: run that release or a later one`,
      );
    }
    ahead = newest;
  }
  const named = new Set(list.flatMap((step) => step.legacy?.[dialect] ?? []));
  const unknown = [...(legacy ?? [])].filter((version) => !named.has(version));
  if (unknown.length) throw new StoreSchemaError(`the store holds old schema versions this director does not know (${unknown.join(', ')}): it was written by another release`);
  const plan: MigrationPlan = ahead === undefined ? { adopt: [], apply: [] } : { adopt: [], apply: [], ahead };
  for (const step of list) {
    if (recorded.has(step.version)) continue;
    const parts = step.legacy?.[dialect] ?? [];
    if (legacy && parts.length > 0 && parts.every((version) => legacy.has(version))) plan.adopt.push(step);
    else plan.apply.push(step);
  }
  return plan;
}

const HISTORY_TABLE = 'CREATE TABLE IF NOT EXISTS schema_versions (version INTEGER PRIMARY KEY, name TEXT NOT NULL, how TEXT NOT NULL, applied_at BIGINT NOT NULL, oldest_reader INTEGER)';
// The history table of a store made before directors recorded which versions may run beside a step.
const READER_COLUMN = 'ALTER TABLE schema_versions ADD COLUMN oldest_reader INTEGER';

// Both dialects log alike: an operator upgrading either store sees what was adopted and what ran.
const logAdopted = (log: Logger, steps: SchemaStep[]) => {
  if (steps.length) log.info('store schema adopted from the earlier numbering', { versions: steps.map((step) => step.version) });
};
const logAhead = (log: Logger, plan: MigrationPlan, list: readonly SchemaStep[]) => {
  if (plan.ahead !== undefined) log.warn('the store is newer than this director; its newer steps allow running beside them', { storeVersion: plan.ahead, known: list.at(-1)?.version });
};
type HistoryRow = { version: number; oldest_reader: number | null };
const readersOf = (rows: HistoryRow[]) => new Map(rows.filter((row) => row.oldest_reader !== null).map((row) => [row.version, Number(row.oldest_reader)]));
const logApplied = (log: Logger, step: SchemaStep) => log.info('store migration applied', { version: step.version, name: step.name });

/** Brings a bun:sqlite store up to date; each step in its own transaction. Returns the versions run. */
export function migrateSqlite(db: Database, log: Logger = silentLogger, list: readonly SchemaStep[] = schemaInUse()): number[] {
  db.exec(HISTORY_TABLE);
  const hasReaders = db.query("SELECT 1 FROM pragma_table_info('schema_versions') WHERE name = 'oldest_reader'").get() !== null;
  const history = db.query<HistoryRow, []>(`SELECT version, ${hasReaders ? 'oldest_reader' : 'NULL AS oldest_reader'} FROM schema_versions`).all();
  const recorded = new Set(history.map((row) => row.version));
  const hasLegacy = recorded.size === 0 && db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== null;
  const legacy = hasLegacy
    ? new Set(
        db
          .query<{ version: number }, []>('SELECT version FROM schema_migrations')
          .all()
          .map((row) => row.version),
      )
    : undefined;
  const plan = planMigrations('sqlite', recorded, legacy, list, readersOf(history));
  logAhead(log, plan, list);
  // Only now (a store this director refuses is left exactly as it was).
  if (!hasReaders) db.exec(READER_COLUMN);
  const record = db.query('INSERT INTO schema_versions (version, name, how, applied_at, oldest_reader) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const step of plan.adopt) record.run(step.version, step.name, 'adopted', Date.now(), oldestReader(step));
  })();
  logAdopted(log, plan.adopt);
  for (const step of plan.apply) {
    db.transaction(() => {
      if (step.sqlite.trim()) db.exec(step.sqlite);
      record.run(step.version, step.name, 'applied', Date.now(), oldestReader(step));
    })();
    logApplied(log, step);
  }
  return plan.apply.map((step) => step.version);
}

/**
 * Brings a PostgreSQL store up to date once, even when several directors start together: one
 * connection holds a session advisory lock while it plans and runs the steps (each in its own
 * transaction); the others wait on the lock and then find nothing left to do. `running` lists the
 * directors heartbeating on the store (refuseBesideOlder). Returns the versions run.
 */
export async function migratePostgres(sql: SQL, log: Logger, list: readonly SchemaStep[] = schemaInUse(), running: () => Promise<LiveDirector[]> = async () => []): Promise<number[]> {
  const conn = await sql.reserve();
  try {
    await conn`SELECT pg_advisory_lock(${ADVISORY_LOCKS.migrate})`;
    try {
      await conn.unsafe(HISTORY_TABLE);
      const [{ readers: hasReaders }] = await conn`SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'schema_versions' AND column_name = 'oldest_reader') AS readers`;
      const history: HistoryRow[] = await conn.unsafe(`SELECT version, ${hasReaders ? 'oldest_reader' : 'NULL::int AS oldest_reader'} FROM schema_versions`);
      const recorded = new Set<number>(history.map((row) => row.version));
      const [{ legacy: hasLegacy }] = await conn`SELECT to_regclass('schema_migrations') IS NOT NULL AS legacy`;
      const legacy = recorded.size === 0 && hasLegacy ? new Set<number>((await conn`SELECT version FROM schema_migrations`).map((row: { version: number }) => row.version)) : undefined;
      const plan = planMigrations('postgres', recorded, legacy, list, readersOf(history));
      logAhead(log, plan, list);
      refuseBesideOlder(plan.apply, await running());
      if (!hasReaders) await conn.unsafe(READER_COLUMN);
      for (const step of plan.adopt)
        await conn`INSERT INTO schema_versions (version, name, how, applied_at, oldest_reader) VALUES (${step.version}, ${step.name}, 'adopted', ${Date.now()}, ${oldestReader(step)})`;
      logAdopted(log, plan.adopt);
      for (const step of plan.apply) {
        await conn.begin(async (tx) => {
          if (step.postgres.trim()) await tx.unsafe(step.postgres);
          await tx`INSERT INTO schema_versions (version, name, how, applied_at, oldest_reader) VALUES (${step.version}, ${step.name}, 'applied', ${Date.now()}, ${oldestReader(step)})`;
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

/** A director heartbeating on the store, with the newest schema version it knows (null: it does not say, i.e. it predates the schema step that records it, the audit chain's). */
export interface LiveDirector {
  name: string;
  known: number | null;
}

/**
 * A step that older directors cannot run beside is not applied while one of them is running: it would
 * change the store under them. The operator stops them first (docs/operations.md, "Upgrades").
 * @throws StoreSchemaError naming the first running director too old for a step of `apply`
 */
export function refuseBesideOlder(apply: readonly SchemaStep[], running: readonly LiveDirector[]): void {
  for (const step of apply) {
    const tooOld = running.find((director) => (director.known ?? 0) < oldestReader(step));
    if (tooOld) {
      throw new StoreSchemaError(
        `director ${tooOld.name} (knows schema up to ${tooOld.known ?? `version ${auditChain.version - 1} or earlier`}) is running on this store, and schema version ${step.version} (${step.name}) needs every director to know version ${oldestReader(step)} or later: stop the older directors first, then start this one`,
      );
    }
  }
}
