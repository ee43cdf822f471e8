import type { Database } from 'bun:sqlite';
import type { SessionType } from '../../shared/api/agent-wire.ts';

/** creating: answered CREATING, being placed; failed: the create failed (reason); deleting, deleted: a delete under way, done. */
export type RequestState = 'creating' | 'failed' | 'deleting' | 'deleted';

/** What the Session Manager API reports of a session beside its session row (table session_requests). */
export interface SessionRequest {
  id: string;
  owner: string;
  /** The API client that asked. */
  clientId: string;
  type: SessionType;
  name?: string;
  /** The pool it was placed through (absent until known). */
  pool?: string;
  state: RequestState;
  /** Why a create failed: describeSessions' StateReason. */
  reason?: string;
  createdAt: number;
  updatedAt: number;
}

/** A row of table session_requests (same columns in both stores). */
export interface SessionRequestRow {
  id: string;
  owner: string;
  client_id: string;
  type: SessionType;
  name: string | null;
  pool: string | null;
  state: RequestState;
  reason: string | null;
  created_at: number | string;
  updated_at: number | string;
}

/** A row from either store (PostgreSQL hands int8 as strings) as a request. */
export const requestFromRow = (row: SessionRequestRow): SessionRequest => ({
  id: row.id,
  owner: row.owner,
  clientId: row.client_id,
  type: row.type,
  ...(row.name !== null ? { name: row.name } : {}),
  ...(row.pool !== null ? { pool: row.pool } : {}),
  state: row.state,
  ...(row.reason !== null ? { reason: row.reason } : {}),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** The columns a write binds. */
export const requestColumns = (request: SessionRequest) => ({
  id: request.id,
  owner: request.owner,
  clientId: request.clientId,
  type: request.type,
  name: request.name ?? null,
  pool: request.pool ?? null,
  state: request.state,
  reason: request.reason ?? null,
  createdAt: request.createdAt,
  updatedAt: request.updatedAt,
});

/** Session requests on bun:sqlite (below) or PostgreSQL (request-store-postgres.ts). */
export interface SessionRequestStore {
  /** Writes the request (replacing one of that id), and purges failed and deleted ones last written before `purgeBefore`. */
  put(request: SessionRequest, purgeBefore: number): Promise<void>;
  /** Forgets a request: its session row tells the rest. */
  remove(id: string): Promise<void>;
  /** Every request written at or after `since`. */
  list(since: number): Promise<SessionRequest[]>;
}

/** SessionRequestStore on the embedded database. */
export function createSqliteRequestStore(db: Database): SessionRequestStore {
  const statements = {
    put: db.query(
      `INSERT OR REPLACE INTO session_requests (id, owner, client_id, type, name, pool, state, reason, created_at, updated_at)
       VALUES ($id, $owner, $clientId, $type, $name, $pool, $state, $reason, $createdAt, $updatedAt)`,
    ),
    purge: db.query<never, [number]>(`DELETE FROM session_requests WHERE updated_at < ? AND state IN ('failed', 'deleted')`),
    remove: db.query<never, [string]>('DELETE FROM session_requests WHERE id = ?'),
    list: db.query<SessionRequestRow, [number]>('SELECT * FROM session_requests WHERE updated_at >= ?'),
  };
  return {
    put: async (request, purgeBefore) => {
      statements.purge.run(purgeBefore);
      statements.put.run(requestColumns(request));
    },
    remove: async (id) => void statements.remove.run(id),
    list: async (since) => statements.list.all(since).map(requestFromRow),
  };
}
