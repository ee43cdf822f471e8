import type { Database } from 'bun:sqlite';

/** A registered passkey (WebAuthn credential); binary values are base64url text. */
export interface PasskeyRecord {
  /** The credential id (base64url), unique across users. */
  id: string;
  username: string;
  /** The WebAuthn user id given at registration (base64url); a passwordless sign-in names the user by it. */
  userHandle: string;
  /** The user's own label ("work laptop"). */
  name: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter at its last accepted use. */
  counter: number;
  transports: string[];
  createdAt: number;
  lastUsedAt?: number;
}

/** A registration or sign-in in progress; `username` is "" for a passwordless sign-in. */
export interface PasskeyChallenge {
  id: string;
  challenge: string;
  username: string;
  /** Registration: the WebAuthn user id its options gave (base64url); sign-in: "". */
  userHandle: string;
  purpose: 'register' | 'login';
  expiresAt: number;
}

/**
 * Passkeys and their open challenges (tables passkeys, passkey_challenges). Implementations: below
 * (bun:sqlite) and store-postgres.ts; both pass the shared store contract suite.
 */
export interface PasskeyStore {
  list(username: string): Promise<PasskeyRecord[]>;
  get(id: string): Promise<PasskeyRecord | undefined>;
  /** False when a credential with that id exists already (for any user). */
  add(record: PasskeyRecord): Promise<boolean>;
  /**
   * Records an accepted use: the new counter, only if the stored one is still `seenCounter`, so two
   * uses of one assertion (a replay, a clone racing) cannot both win.
   */
  recordUse(id: string, seenCounter: number, counter: number, now: number): Promise<boolean>;
  /** False when the user has no passkey with that id. */
  remove(username: string, id: string): Promise<boolean>;
  /** Removes every passkey of the user; how many there were. */
  removeAll(username: string): Promise<number>;
  /** Stores a challenge (and drops expired ones). */
  putChallenge(challenge: PasskeyChallenge, now: number): Promise<void>;
  /** Takes a challenge out (one use); undefined when unknown or expired. */
  takeChallenge(id: string, now: number): Promise<PasskeyChallenge | undefined>;
}

interface PasskeyRow {
  credential_id: string;
  username: string;
  user_handle: string;
  name: string;
  public_key: string;
  counter: number | string;
  transports: string;
  created_at: number | string;
  last_used_at: number | string | null;
}

/** A row of table passkeys in either dialect (PostgreSQL BIGINTs may arrive as strings). */
export function passkeyFromRow(row: PasskeyRow): PasskeyRecord {
  return {
    id: row.credential_id,
    username: row.username,
    userHandle: row.user_handle,
    name: row.name,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: JSON.parse(row.transports) as string[],
    createdAt: Number(row.created_at),
    ...(row.last_used_at === null ? {} : { lastUsedAt: Number(row.last_used_at) }),
  };
}

/** PasskeyStore on the embedded database (schema step 013). */
export function createSqlitePasskeyStore(db: Database): PasskeyStore {
  const COLUMNS = 'credential_id, username, user_handle, name, public_key, counter, transports, created_at, last_used_at';
  const list = db.query<PasskeyRow, [string]>(`SELECT ${COLUMNS} FROM passkeys WHERE username = ? ORDER BY created_at, credential_id`);
  const get = db.query<PasskeyRow, [string]>(`SELECT ${COLUMNS} FROM passkeys WHERE credential_id = ?`);
  const add = db.query<never, [string, string, string, string, string, number, string, number]>(
    `INSERT INTO passkeys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (credential_id) DO NOTHING`,
  );
  const use = db.query<never, [number, number, string, number]>('UPDATE passkeys SET counter = ?1, last_used_at = ?2 WHERE credential_id = ?3 AND counter = ?4');
  const remove = db.query<never, [string, string]>('DELETE FROM passkeys WHERE username = ? AND credential_id = ?');
  const removeAll = db.query<never, [string]>('DELETE FROM passkeys WHERE username = ?');
  const dropExpired = db.query<never, [number]>('DELETE FROM passkey_challenges WHERE expires_at <= ?');
  const putChallenge = db.query<never, [string, string, string, string, string, number]>(
    'INSERT INTO passkey_challenges (id, challenge, username, user_handle, purpose, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const takeChallenge = db.query<{ id: string; challenge: string; username: string; user_handle: string; purpose: 'register' | 'login'; expires_at: number }, [string]>(
    'DELETE FROM passkey_challenges WHERE id = ? RETURNING id, challenge, username, user_handle, purpose, expires_at',
  );
  return {
    async list(username) {
      return list.all(username).map(passkeyFromRow);
    },
    async get(id) {
      const row = get.get(id);
      return row ? passkeyFromRow(row) : undefined;
    },
    async add(record) {
      return add.run(record.id, record.username, record.userHandle, record.name, record.publicKey, record.counter, JSON.stringify(record.transports), record.createdAt).changes === 1;
    },
    async recordUse(id, seenCounter, counter, now) {
      return use.run(counter, now, id, seenCounter).changes === 1;
    },
    async remove(username, id) {
      return remove.run(username, id).changes === 1;
    },
    async removeAll(username) {
      return removeAll.run(username).changes;
    },
    async putChallenge(challenge, now) {
      dropExpired.run(now);
      putChallenge.run(challenge.id, challenge.challenge, challenge.username, challenge.userHandle, challenge.purpose, challenge.expiresAt);
    },
    async takeChallenge(id, now) {
      const row = takeChallenge.get(id);
      if (!row || row.expires_at <= now) return undefined;
      return { id: row.id, challenge: row.challenge, username: row.username, userHandle: row.user_handle, purpose: row.purpose, expiresAt: row.expires_at };
    },
  };
}
