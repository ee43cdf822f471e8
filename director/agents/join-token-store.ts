import type { Database } from 'bun:sqlite';

/** A join token as stored: never its secret, only the secret's SHA-256. */
export interface JoinTokenRecord {
  id: string;
  secretHash: Uint8Array;
  /** Glob the registering host name must match; '' = any host. */
  hostnamePattern: string;
  /** Admissions allowed. */
  uses: number;
  /** Admissions so far. */
  used: number;
  expiresAt: number;
  createdAt: number;
  createdBy: string;
  revokedAt: number | null;
  revokedBy: string | null;
  lastUsedAt: number | null;
}

/** What create() writes: a new token, not yet used. */
export type NewJoinToken = Pick<JoinTokenRecord, 'id' | 'secretHash' | 'hostnamePattern' | 'uses' | 'expiresAt' | 'createdAt' | 'createdBy'>;

/** A row of table join_tokens (same columns in both stores). */
export interface JoinTokenRow {
  id: string;
  secret_hash: Uint8Array;
  hostname_pattern: string;
  uses: number;
  used: number;
  expires_at: number;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
  revoked_by: string | null;
  last_used_at: number | null;
}

const nullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** A row from either store (PostgreSQL hands int8 as strings and bytea as Buffer) as a record. */
export const joinTokenFromRow = (row: JoinTokenRow): JoinTokenRecord => ({
  id: row.id,
  secretHash: new Uint8Array(row.secret_hash),
  hostnamePattern: row.hostname_pattern,
  uses: Number(row.uses),
  used: Number(row.used),
  expiresAt: Number(row.expires_at),
  createdAt: Number(row.created_at),
  createdBy: row.created_by,
  revokedAt: nullableNumber(row.revoked_at),
  revokedBy: row.revoked_by,
  lastUsedAt: nullableNumber(row.last_used_at),
});

/**
 * Join tokens, on bun:sqlite (below) or PostgreSQL (join-token-store-postgres.ts); both pass the store
 * contract. Writes are conditional and answer with the row as written, or undefined when the
 * condition did not hold.
 */
export interface JoinTokenStore {
  create(token: NewJoinToken): Promise<void>;
  get(id: string): Promise<JoinTokenRecord | undefined>;
  /** Every token, newest first. */
  list(): Promise<JoinTokenRecord[]>;
  /**
   * Counts one admission, in one conditional statement, only while the token is unrevoked, unexpired
   * at `now` and has a use left: of several callers racing for the last use (on any director) exactly
   * one gets the row back.
   */
  consume(id: string, now: number): Promise<JoinTokenRecord | undefined>;
  /** Marks an unrevoked token revoked. */
  revoke(id: string, by: string, now: number): Promise<JoinTokenRecord | undefined>;
}

/** JoinTokenStore on the embedded database: every statement prepared once. */
export function createSqliteJoinTokenStore(db: Database): JoinTokenStore {
  const statements = {
    insert: db.query(
      `INSERT INTO join_tokens (id, secret_hash, hostname_pattern, uses, expires_at, created_at, created_by)
       VALUES ($id, $secretHash, $hostnamePattern, $uses, $expiresAt, $createdAt, $createdBy)`,
    ),
    get: db.query<JoinTokenRow, [string]>('SELECT * FROM join_tokens WHERE id = ?'),
    list: db.query<JoinTokenRow, []>('SELECT * FROM join_tokens ORDER BY created_at DESC, id'),
    consume: db.query<JoinTokenRow, [{ id: string; now: number }]>(
      'UPDATE join_tokens SET used = used + 1, last_used_at = $now WHERE id = $id AND revoked_at IS NULL AND expires_at > $now AND used < uses RETURNING *',
    ),
    revoke: db.query<JoinTokenRow, [{ id: string; by: string; now: number }]>('UPDATE join_tokens SET revoked_at = $now, revoked_by = $by WHERE id = $id AND revoked_at IS NULL RETURNING *'),
  };
  const record = (row: JoinTokenRow | null) => (row ? joinTokenFromRow(row) : undefined);
  return {
    async create(token) {
      statements.insert.run({ ...token });
    },
    get: async (id) => record(statements.get.get(id)),
    list: async () => statements.list.all().map(joinTokenFromRow),
    consume: async (id, now) => record(statements.consume.get({ id, now })),
    revoke: async (id, by, now) => record(statements.revoke.get({ id, by, now })),
  };
}
