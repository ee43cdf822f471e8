import type { SchemaStep } from './step.ts';

/**
 * Each audit event gets an id of its own, made when it happens: an event spooled to a local file while
 * the store was away is inserted once however often its replay is retried.
 */
export const auditEventIds: SchemaStep = {
  version: 5,
  name: 'audit event ids',
  sqlite: `
    ALTER TABLE audit_events ADD COLUMN event_id TEXT;
    CREATE UNIQUE INDEX audit_events_event_id ON audit_events (event_id);
  `,
  postgres: `
    ALTER TABLE audit_events ADD COLUMN event_id TEXT;
    CREATE UNIQUE INDEX audit_events_event_id ON audit_events (event_id);
  `,
};
