import type { SchemaStep } from './step.ts';

/**
 * Audit events carry a hash chain, one per director (`chain` names the director, `hash` covers the
 * event and the hash before it); retention pruning keeps, per chain, the last hash it deleted
 * (`audit_checkpoints`), where verification starts. Directors record the newest schema version they
 * know, so a newer director does not apply a step older ones cannot run beside. Older directors would
 * prune without leaving a checkpoint, so this step does not let them run beside it.
 */
export const auditChain: SchemaStep = {
  version: 15,
  name: 'audit hash chain',
  sqlite: `
    ALTER TABLE audit_events ADD COLUMN chain TEXT;
    ALTER TABLE audit_events ADD COLUMN hash TEXT;
    CREATE INDEX audit_events_chain ON audit_events (chain, id);
    CREATE TABLE audit_checkpoints (
      chain      TEXT PRIMARY KEY,
      last_id    INTEGER NOT NULL,
      hash       TEXT NOT NULL,
      pruned_at  INTEGER NOT NULL
    );
  `,
  postgres: `
    ALTER TABLE audit_events ADD COLUMN chain TEXT;
    ALTER TABLE audit_events ADD COLUMN hash TEXT;
    CREATE INDEX audit_events_chain ON audit_events (chain, id);
    CREATE TABLE audit_checkpoints (
      chain      TEXT PRIMARY KEY,
      last_id    BIGINT NOT NULL,
      hash       TEXT NOT NULL,
      pruned_at  BIGINT NOT NULL
    );
    ALTER TABLE director_instances ADD COLUMN schema_known INTEGER;
  `,
};
