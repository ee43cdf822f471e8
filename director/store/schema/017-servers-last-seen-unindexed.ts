import type { SchemaStep } from './step.ts';

/**
 * Servers are no longer indexed by last contact. Every agent update moves `last_seen`, so the index
 * was rewritten on every update (on sqlite a delete and an insert in its B-tree, pages the WAL then
 * carries; on PostgreSQL it made every such update a non-HOT one, writing each index again), while
 * the only reader is the sweep, once per interval on one director, which walks the servers table
 * instead (50,000 rows: milliseconds). Older directors neither need the index nor miss it.
 */
export const serversLastSeenUnindexed: SchemaStep = {
  version: 17,
  name: 'servers not indexed by last contact',
  sqlite: 'DROP INDEX IF EXISTS servers_last_seen;',
  postgres: 'DROP INDEX IF EXISTS servers_last_seen;',
  oldestReader: 16,
};
