/** The two database dialects the director runs on. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * One step of the store's schema, in both dialects side by side. (A query layer speaking both, Kysely
 * or Drizzle, was measured and not taken: a lookup by key costs 1.9 µs as a prepared bun:sqlite
 * statement, 3.0 µs through Drizzle's prepared query and 29.6 µs when Drizzle builds it per call, and
 * Kysely spends 3.1 µs compiling before running anything; and what the stores need most, one-statement
 * batch writes from a JSON array on PostgreSQL, row locks, advisory locks and synchronous bun:sqlite
 * transactions, is dialect-specific anyway.) Steps run in order, forward only,
 * each in one transaction; the version applied is recorded in `schema_versions`. Never edit a step
 * that has shipped: add the next one.
 */
export interface SchemaStep {
  version: number;
  name: string;
  /** The step for bun:sqlite ('' = nothing to do on this dialect). */
  sqlite: string;
  /** The step for PostgreSQL ('' = nothing to do on this dialect). */
  postgres: string;
  /**
   * Before the one list, each dialect had a numbered chain of its own (table `schema_migrations`).
   * The old versions whose work this step repeats: a database that has all of them adopts the step
   * without running it; one that has only some runs it (such steps are written to be re-runnable).
   */
  legacy?: Partial<Record<Dialect, number[]>>;
  /**
   * The oldest schema version a director may know and still run on a store with this step applied
   * (recorded with the step in schema_versions, so directors that do not know the step can read it).
   * Default: the step's own version, i.e. directors that do not know the step refuse the store. A step
   * that only adds what older code neither reads nor must fill in (a table, an index, a nullable
   * column) may name a lower version: then older directors keep running beside the newer one.
   */
  oldestReader?: number;
}
