import type { Database } from 'bun:sqlite';

/** What an API client may do: the Session Manager operations are grouped under these. */
export const API_SCOPES = ['sessions:read', 'sessions:write', 'servers:read', 'servers:write', 'screenshots:read'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** An API client as stored: never its secret, only the secret's Bun.password hash. */
export interface ApiClientRecord {
  id: string;
  name: string;
  secretHash: string;
  scopes: ApiScope[];
  /** The session owners it may act for; null: any the policy allows. */
  users: string[] | null;
  /** The pools it may place in and see; null: any. */
  pools: string[] | null;
  /** The owners it may create sessions for in its pools though the policy does not let them use those pools (user names or "*"); null: the policy alone decides. */
  owners: string[] | null;
  createdAt: number;
  createdBy: string;
  rotatedAt: number | null;
  disabledAt: number | null;
  disabledBy: string | null;
}

/** What create() writes: a new, enabled client. */
export type NewApiClient = Pick<ApiClientRecord, 'id' | 'name' | 'secretHash' | 'scopes' | 'users' | 'pools' | 'owners' | 'createdAt' | 'createdBy'>;

/** A row of table api_clients (same columns in both stores). */
export interface ApiClientRow {
  id: string;
  name: string;
  secret_hash: string;
  scopes: string;
  users: string | null;
  pools: string | null;
  /** Added by schema step 16. */
  owners: string | null;
  created_at: number | string;
  created_by: string;
  rotated_at: number | string | null;
  disabled_at: number | string | null;
  disabled_by: string | null;
}

const nullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const nullableList = (text: string | null): string[] | null => (text === null ? null : (JSON.parse(text) as string[]));

/** A row from either store (PostgreSQL hands int8 as strings) as a record. */
export const apiClientFromRow = (row: ApiClientRow): ApiClientRecord => ({
  id: row.id,
  name: row.name,
  secretHash: row.secret_hash,
  scopes: JSON.parse(row.scopes) as ApiScope[],
  users: nullableList(row.users),
  pools: nullableList(row.pools),
  owners: nullableList(row.owners ?? null),
  createdAt: Number(row.created_at),
  createdBy: row.created_by,
  rotatedAt: nullableNumber(row.rotated_at),
  disabledAt: nullableNumber(row.disabled_at),
  disabledBy: row.disabled_by,
});

/** The columns a new client writes, its lists as JSON text. */
export const apiClientColumns = (client: NewApiClient) => ({
  id: client.id,
  name: client.name,
  secretHash: client.secretHash,
  scopes: JSON.stringify(client.scopes),
  users: client.users === null ? null : JSON.stringify(client.users),
  pools: client.pools === null ? null : JSON.stringify(client.pools),
  owners: client.owners === null ? null : JSON.stringify(client.owners),
  createdAt: client.createdAt,
  createdBy: client.createdBy,
});

/**
 * API clients, on bun:sqlite (below) or PostgreSQL (store-postgres.ts); both pass the store contract.
 * Writes are conditional and answer with the row as written, or undefined when the condition did not hold.
 */
export interface ApiClientStore {
  /** Writes a new client; 'name-taken' when another client has that name. */
  create(client: NewApiClient): Promise<'created' | 'name-taken'>;
  get(id: string): Promise<ApiClientRecord | undefined>;
  /** Every client, newest first. */
  list(): Promise<ApiClientRecord[]>;
  /** Disables an enabled client. */
  disable(id: string, by: string, now: number): Promise<ApiClientRecord | undefined>;
  /** Replaces an enabled client's secret hash. */
  rotate(id: string, secretHash: string, now: number): Promise<ApiClientRecord | undefined>;
}

/** ApiClientStore on the embedded database: every statement prepared once. */
export function createSqliteApiClientStore(db: Database): ApiClientStore {
  const statements = {
    insert: db.query(
      `INSERT INTO api_clients (id, name, secret_hash, scopes, users, pools, owners, created_at, created_by)
       VALUES ($id, $name, $secretHash, $scopes, $users, $pools, $owners, $createdAt, $createdBy) ON CONFLICT DO NOTHING`,
    ),
    get: db.query<ApiClientRow, [string]>('SELECT * FROM api_clients WHERE id = ?'),
    list: db.query<ApiClientRow, []>('SELECT * FROM api_clients ORDER BY created_at DESC, id'),
    disable: db.query<ApiClientRow, [string, number, string]>('UPDATE api_clients SET disabled_by = ?, disabled_at = ? WHERE id = ? AND disabled_at IS NULL RETURNING *'),
    rotate: db.query<ApiClientRow, [string, number, string]>('UPDATE api_clients SET secret_hash = ?, rotated_at = ? WHERE id = ? AND disabled_at IS NULL RETURNING *'),
  };
  const record = (row: ApiClientRow | null) => (row ? apiClientFromRow(row) : undefined);
  return {
    create: async (client) => (statements.insert.run(apiClientColumns(client)).changes === 1 ? 'created' : 'name-taken'),
    get: async (id) => record(statements.get.get(id)),
    list: async () => statements.list.all().map(apiClientFromRow),
    disable: async (id, by, now) => record(statements.disable.get(by, now, id)),
    rotate: async (id, secretHash, now) => record(statements.rotate.get(secretHash, now, id)),
  };
}
