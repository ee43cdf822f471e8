import type { Database } from 'bun:sqlite';
import type { ChainedFields } from './chain.ts';

/** A stored event as the chain check reads it (`chain` and `hash` null for events outside any chain). */
export interface ChainRow extends ChainedFields {
  id: number;
  chain: string | null;
  hash: string | null;
}

/** Where a chain's remaining events start after pruning: the hash of the last event deleted. */
export interface ChainCheckpoint {
  chain: string;
  lastId: number;
  hash: string;
  prunedAt: number;
}

/** What the hash chain needs from the store, one implementation per dialect (this file and chain-store-postgres.ts). */
export interface AuditChainStore {
  /** The hash a chain goes on from: its newest stored event's, else its checkpoint's; undefined for a new chain. */
  head(chain: string): Promise<string | undefined>;
  /** Events with an id above `afterId`, oldest first, at most `limit`. */
  rows(afterId: number, limit: number): Promise<ChainRow[]>;
  checkpoints(): Promise<ChainCheckpoint[]>;
}

type Raw = Record<string, unknown>;

/** A row of audit_events (either dialect) as a ChainRow. */
export function chainRowFrom(raw: Raw): ChainRow {
  return {
    id: Number(raw.id),
    chain: (raw.chain as string | null) ?? null,
    hash: (raw.hash as string | null) ?? null,
    eventId: String(raw.event_id ?? ''),
    at: Number(raw.at),
    type: String(raw.type),
    outcome: String(raw.outcome),
    actor: raw.actor as string | null,
    target: raw.target as string | null,
    clientAddress: raw.client_address as string | null,
    backend: raw.backend as string | null,
    detail: raw.detail as string | null,
  };
}

/** A row of audit_checkpoints (either dialect) as a ChainCheckpoint. */
export const checkpointFrom = (raw: Raw): ChainCheckpoint => ({ chain: String(raw.chain), lastId: Number(raw.last_id), hash: String(raw.hash), prunedAt: Number(raw.pruned_at) });

/** AuditChainStore on the embedded database. */
export function createSqliteChainStore(db: Database): AuditChainStore {
  const last = db.query<{ hash: string }, [string]>('SELECT hash FROM audit_events WHERE chain = ? ORDER BY id DESC LIMIT 1');
  const checkpoint = db.query<{ hash: string }, [string]>('SELECT hash FROM audit_checkpoints WHERE chain = ?');
  const rows = db.query<Raw, [number, number]>('SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?');
  const checkpoints = db.query<Raw, []>('SELECT * FROM audit_checkpoints ORDER BY chain');
  return {
    async head(chain) {
      return last.get(chain)?.hash ?? checkpoint.get(chain)?.hash;
    },
    async rows(afterId, limit) {
      return rows.all(afterId, limit).map(chainRowFrom);
    },
    async checkpoints() {
      return checkpoints.all().map(checkpointFrom);
    },
  };
}
