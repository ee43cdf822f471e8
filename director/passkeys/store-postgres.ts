import type { SQL } from 'bun';
import { passkeyFromRow, type PasskeyStore } from './store.ts';

/** PasskeyStore on PostgreSQL: the same conditional writes as the sqlite store. */
export function createPostgresPasskeyStore(sql: SQL): PasskeyStore {
  return {
    async list(username) {
      const rows = await sql`SELECT * FROM passkeys WHERE username = ${username} ORDER BY created_at, credential_id`;
      return rows.map(passkeyFromRow);
    },
    async get(id) {
      const [row] = await sql`SELECT * FROM passkeys WHERE credential_id = ${id}`;
      return row ? passkeyFromRow(row) : undefined;
    },
    async add(record) {
      const result = await sql`INSERT INTO passkeys (credential_id, username, user_handle, name, public_key, counter, transports, created_at)
        VALUES (${record.id}, ${record.username}, ${record.userHandle}, ${record.name}, ${record.publicKey}, ${record.counter}, ${JSON.stringify(record.transports)}, ${record.createdAt})
        ON CONFLICT (credential_id) DO NOTHING`;
      return result.count === 1;
    },
    async recordUse(id, seenCounter, counter, now) {
      const result = await sql`UPDATE passkeys SET counter = ${counter}, last_used_at = ${now} WHERE credential_id = ${id} AND counter = ${seenCounter}`;
      return result.count === 1;
    },
    async remove(username, id) {
      const result = await sql`DELETE FROM passkeys WHERE username = ${username} AND credential_id = ${id}`;
      return result.count === 1;
    },
    async removeAll(username) {
      return (await sql`DELETE FROM passkeys WHERE username = ${username}`).count;
    },
    async putChallenge(challenge, now) {
      await sql`DELETE FROM passkey_challenges WHERE expires_at <= ${now}`;
      await sql`INSERT INTO passkey_challenges (id, challenge, username, user_handle, purpose, expires_at)
        VALUES (${challenge.id}, ${challenge.challenge}, ${challenge.username}, ${challenge.userHandle}, ${challenge.purpose}, ${challenge.expiresAt})`;
    },
    async takeChallenge(id, now) {
      const [row] = await sql`DELETE FROM passkey_challenges WHERE id = ${id} RETURNING id, challenge, username, user_handle, purpose, expires_at`;
      if (!row || Number(row.expires_at) <= now) return undefined;
      return { id: row.id, challenge: row.challenge, username: row.username, userHandle: row.user_handle, purpose: row.purpose, expiresAt: Number(row.expires_at) };
    },
  };
}
