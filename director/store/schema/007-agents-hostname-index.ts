import type { SchemaStep } from './step.ts';

/**
 * The embedded store looks agents up by host name too: every approval and every certificate handed out
 * asks whether another registered agent holds the name (server ids are host names). Without this index
 * that was a walk over every registered agent (1.4 ms a certificate with 10,000 of them; 1.4 µs with it).
 * PostgreSQL has had the index since step 1.
 */
export const agentsHostnameIndex: SchemaStep = {
  version: 7,
  name: 'agents by host name (embedded store)',
  sqlite: 'CREATE INDEX IF NOT EXISTS agents_hostname ON agents (hostname);',
  postgres: '',
};
