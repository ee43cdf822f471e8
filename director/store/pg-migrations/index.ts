import { base } from './001-base.ts';
import { clusterIdentity } from './002-cluster-identity.ts';
import { directorInstances } from './003-director-instances.ts';
import { agentReturning } from './004-agent-returning.ts';
import { connectionTokenUses } from './005-connection-token-uses.ts';
import { revocations } from './006-revocations.ts';
import { runtimeState } from './007-runtime-state.ts';

/**
 * PostgreSQL schema migrations, numbered on their own (the bun:sqlite list in ../migrations is separate).
 * Applied in order, each in its own transaction, under an advisory lock; never edit one that has
 * shipped, add the next.
 */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const pgMigrations: PgMigration[] = [base, clusterIdentity, directorInstances, agentReturning, connectionTokenUses, revocations, runtimeState];
