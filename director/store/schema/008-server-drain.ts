import type { SchemaStep } from './step.ts';

/**
 * Drain marks: a server an admin put into maintenance takes no new sessions (running ones stay) until
 * it is opened again. The mark is three columns of the server row, so it is written like any other
 * change to the server (a new revision, announced to the other directors) and survives restarts.
 * `drained_at` set = drained; `drained_by` is the admin, `drain_reason` what they gave (may be NULL).
 */
export const serverDrain: SchemaStep = {
  version: 8,
  name: 'server drain marks',
  sqlite: `
    ALTER TABLE servers ADD COLUMN drained_at INTEGER;
    ALTER TABLE servers ADD COLUMN drained_by TEXT;
    ALTER TABLE servers ADD COLUMN drain_reason TEXT;
  `,
  postgres: `
    ALTER TABLE servers ADD COLUMN drained_at BIGINT;
    ALTER TABLE servers ADD COLUMN drained_by TEXT;
    ALTER TABLE servers ADD COLUMN drain_reason TEXT;
  `,
};
