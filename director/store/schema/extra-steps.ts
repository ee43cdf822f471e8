import { readFileSync } from 'node:fs';
import { SCHEMA } from './index.ts';
import type { SchemaStep } from './step.ts';

/**
 * Names a JSON file of schema steps (SchemaStep objects) appended to the director's own list. Only the
 * upgrade tests set it: they run the same director build once as itself and once as "the next schema
 * version" (one step more), both real processes migrating a real PostgreSQL. Never set it in production.
 */
export const EXTRA_STEPS_ENV = 'DCVIX_TEST_EXTRA_SCHEMA_STEPS';

let inUse: readonly SchemaStep[] | undefined;

/** The schema list this process runs: SCHEMA, plus the steps the test-only variable names. */
export function schemaInUse(): readonly SchemaStep[] {
  inUse ??= readSchemaInUse();
  return inUse;
}

function readSchemaInUse(): readonly SchemaStep[] {
  const file = process.env[EXTRA_STEPS_ENV];
  if (!file) return SCHEMA;
  const extra = JSON.parse(readFileSync(file, 'utf8')) as SchemaStep[];
  let last = SCHEMA.at(-1)!.version;
  for (const step of extra) {
    if (typeof step.version !== 'number' || step.version <= last || typeof step.sqlite !== 'string' || typeof step.postgres !== 'string') {
      throw new Error(`${EXTRA_STEPS_ENV}: ${file}: steps must follow version ${last} in order, each with sqlite and postgres text`);
    }
    last = step.version;
  }
  return [...SCHEMA, ...extra];
}

/** The newest schema version this process knows (what it records as its own in the director registry). */
export function knownSchemaVersion(): number {
  return schemaInUse().at(-1)!.version;
}
