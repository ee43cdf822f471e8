/** The two database dialects the director runs on. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * One step of the store's schema, in both dialects side by side. Steps run in order, forward only,
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
}
