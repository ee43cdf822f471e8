import type { PgMigration } from './index.ts';

/** The agent columns behind "returning agents need approval again" (bun:sqlite migration 004 has them too). */
export const agentReturning: PgMigration = {
  version: 4,
  name: 'agent returning',
  sql: `
    -- 1 = an approval allows this agent to collect one certificate by registering; 0 after it did.
    ALTER TABLE agents ADD COLUMN may_collect SMALLINT NOT NULL DEFAULT 0;
    -- 1 = pending again after it was registered with the same key (certificate expired or lost).
    ALTER TABLE agents ADD COLUMN is_returning SMALLINT NOT NULL DEFAULT 0;
    UPDATE agents SET may_collect = 1 WHERE state = 'registered' AND cert_serial IS NULL;
  `,
};
