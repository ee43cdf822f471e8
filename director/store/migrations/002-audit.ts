import type { Migration } from './index.ts';

export const audit: Migration = {
  version: 2,
  name: 'audit',
  sql: `
    CREATE TABLE audit_events (
      id             INTEGER PRIMARY KEY AUTOINCREMENT,
      at             INTEGER NOT NULL,
      type           TEXT NOT NULL,
      actor          TEXT,
      target         TEXT,
      client_address TEXT,
      backend        TEXT,
      outcome        TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
      detail         TEXT
    );
    CREATE INDEX audit_events_at ON audit_events (at);
    CREATE INDEX audit_events_type_at ON audit_events (type, at);
    CREATE INDEX audit_events_actor_at ON audit_events (actor, at);
  `,
};
