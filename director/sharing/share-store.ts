import type { Database } from 'bun:sqlite';

/** What an invitee may do in a shared session: watch, or also type and move the pointer. */
export type ShareRole = 'viewer' | 'collaborator';

/** One user let into one session by its owner (table session_shares). */
export interface Share {
  sessionId: string;
  /** The invitee. */
  user: string;
  role: ShareRole;
  /** The session's owner when the share was made: it counts only while the session still has this owner. */
  owner: string;
  /** Epoch ms of the grant: it counts only for a session created before it (not one that took the id later). */
  grantedAt: number;
}

/** A row of table session_shares (same columns in both stores). */
export interface ShareRow {
  session_id: string;
  username: string;
  role: ShareRole;
  owner: string;
  granted_at: number | string;
}

/** A row from either store (PostgreSQL hands int8 as strings) as a share. */
export const shareFromRow = (row: ShareRow): Share => ({ sessionId: row.session_id, user: row.username, role: row.role, owner: row.owner, grantedAt: Number(row.granted_at) });

/** The condition under which a stored share no longer counts: no live session of its id, owner and an earlier start. */
export const STALE_SHARE = `NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_shares.session_id AND s.owner = session_shares.owner
  AND s.state IN ('starting', 'running') AND s.created_at <= session_shares.granted_at)`;

/**
 * Session shares, on bun:sqlite (below) or PostgreSQL (share-store-postgres.ts); both pass the store
 * contract. Lists come ordered by session, then user name, so a session's permissions file is the same
 * text whichever director writes it.
 */
export interface ShareStore {
  /** Makes (or makes again: role, owner and time replaced) the share of `share.sessionId` with `share.user`. */
  put(share: Share): Promise<void>;
  /** Deletes one share; resolves with the share as it was, or undefined when there was none. */
  remove(sessionId: string, user: string): Promise<Share | undefined>;
  get(sessionId: string, user: string): Promise<Share | undefined>;
  /** The shares of one session. */
  ofSession(sessionId: string): Promise<Share[]>;
  /** The shares made with one user (what they were let into). */
  withUser(user: string): Promise<Share[]>;
  /** The shares one owner made. */
  byOwner(owner: string): Promise<Share[]>;
  /** Deletes the shares that no longer count (STALE_SHARE); resolves with how many. */
  purgeStale(): Promise<number>;
}

/** ShareStore on the embedded database: every statement prepared once. */
export function createSqliteShareStore(db: Database): ShareStore {
  const statements = {
    put: db.query(
      `INSERT INTO session_shares (session_id, username, role, owner, granted_at) VALUES ($sessionId, $user, $role, $owner, $grantedAt)
       ON CONFLICT (session_id, username) DO UPDATE SET role = excluded.role, owner = excluded.owner, granted_at = excluded.granted_at`,
    ),
    remove: db.query<ShareRow, [string, string]>('DELETE FROM session_shares WHERE session_id = ? AND username = ? RETURNING *'),
    get: db.query<ShareRow, [string, string]>('SELECT * FROM session_shares WHERE session_id = ? AND username = ?'),
    ofSession: db.query<ShareRow, [string]>('SELECT * FROM session_shares WHERE session_id = ? ORDER BY username'),
    withUser: db.query<ShareRow, [string]>('SELECT * FROM session_shares WHERE username = ? ORDER BY session_id'),
    byOwner: db.query<ShareRow, [string]>('SELECT * FROM session_shares WHERE owner = ? ORDER BY session_id, username'),
    purgeStale: db.query(`DELETE FROM session_shares WHERE ${STALE_SHARE}`),
  };
  const share = (row: ShareRow | null) => (row ? shareFromRow(row) : undefined);
  return {
    async put({ sessionId, user, role, owner, grantedAt }) {
      statements.put.run({ sessionId, user, role, owner, grantedAt });
    },
    remove: async (sessionId, user) => share(statements.remove.get(sessionId, user)),
    get: async (sessionId, user) => share(statements.get.get(sessionId, user)),
    ofSession: async (sessionId) => statements.ofSession.all(sessionId).map(shareFromRow),
    withUser: async (user) => statements.withUser.all(user).map(shareFromRow),
    byOwner: async (owner) => statements.byOwner.all(owner).map(shareFromRow),
    purgeStale: async () => statements.purgeStale.run().changes,
  };
}
