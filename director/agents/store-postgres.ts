import type { SQL } from 'bun';
import { fromRow, type AgentRecord, type AgentRow, type AgentState, type AgentStore, type IssuedRecord } from './store.ts';

type Registration = Parameters<AgentStore['insertPending']>[0];

const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Uint8Array);

/** int8 columns arrive as strings and bytea as Buffer: normalise to the shape the sqlite rows have. */
function toRecord(row: Record<string, unknown>): AgentRecord {
  return fromRow({
    ...(row as unknown as AgentRow),
    public_key: bytes(row.public_key),
    csr: bytes(row.csr),
    conflict_public_key: row.conflict_public_key ? bytes(row.conflict_public_key) : null,
    cert_not_after: nullableNumber(row.cert_not_after),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    approved_at: nullableNumber(row.approved_at),
    revoked_at: nullableNumber(row.revoked_at),
    last_seen: nullableNumber(row.last_seen),
    conflict_at: nullableNumber(row.conflict_at),
  });
}

/** AgentStore on PostgreSQL (Bun.sql); the same conditional writes as the sqlite store. */
export class PostgresAgentStore implements AgentStore {
  constructor(private readonly sql: SQL) {}

  async get(guid: string): Promise<AgentRecord | undefined> {
    const [row] = await this.sql`SELECT * FROM agents WHERE guid = ${guid}`;
    return row ? toRecord(row) : undefined;
  }

  async list(state?: AgentState): Promise<AgentRecord[]> {
    const rows = state ? await this.sql`SELECT * FROM agents WHERE state = ${state} ORDER BY created_at` : await this.sql`SELECT * FROM agents ORDER BY created_at`;
    return rows.map(toRecord);
  }

  async insertPending(registration: Registration): Promise<void> {
    await this.sql`INSERT INTO agents (guid, hostname, state, public_key, csr, csr_fingerprint, remote_address, created_at, updated_at)
      VALUES (${registration.guid}, ${registration.hostname}, 'pending', ${registration.publicKey}, ${registration.csr}, ${registration.csrFingerprint}, ${registration.remoteAddress}, ${registration.now}, ${registration.now})`;
  }

  async updatePending(registration: Registration): Promise<void> {
    await this.sql`UPDATE agents SET hostname = ${registration.hostname}, public_key = ${registration.publicKey}, csr = ${registration.csr}, csr_fingerprint = ${registration.csrFingerprint},
      remote_address = ${registration.remoteAddress}, updated_at = ${registration.now} WHERE guid = ${registration.guid} AND state = 'pending'`;
  }

  async markReturning(registration: Registration): Promise<boolean> {
    const result = await this
      .sql`UPDATE agents SET state = 'pending', is_returning = 1, hostname = ${registration.hostname}, csr = ${registration.csr}, csr_fingerprint = ${registration.csrFingerprint},
      remote_address = ${registration.remoteAddress}, updated_at = ${registration.now} WHERE guid = ${registration.guid} AND state = 'registered' AND public_key = ${registration.publicKey}`;
    return result.count === 1;
  }

  async recordKeyConflict(guid: string, key: Uint8Array, csr: Uint8Array, csrFingerprint: string, now: number): Promise<void> {
    await this.sql`UPDATE agents SET conflict_public_key = ${key}, conflict_at = ${now}, csr = ${csr}, csr_fingerprint = ${csrFingerprint}, updated_at = ${now} WHERE guid = ${guid}`;
  }

  async approve(guid: string, by: string, now: number): Promise<AgentRecord | undefined> {
    const [row] = await this.sql`UPDATE agents SET state = 'registered', approved_at = ${now}, approved_by = ${by}, updated_at = ${now}, may_collect = 1, is_returning = 0
      WHERE guid = ${guid} AND state = 'pending' RETURNING *`;
    return row ? toRecord(row) : undefined;
  }

  async adoptConflictingKey(guid: string, by: string, now: number): Promise<AgentRecord | undefined> {
    const [row] = await this.sql`UPDATE agents SET public_key = conflict_public_key, conflict_public_key = NULL, conflict_at = NULL,
      approved_at = ${now}, approved_by = ${by}, updated_at = ${now}, may_collect = 1 WHERE guid = ${guid} AND state = 'registered' AND conflict_public_key IS NOT NULL RETURNING *`;
    return row ? toRecord(row) : undefined;
  }

  async clearConflict(guid: string, now: number): Promise<void> {
    await this.sql`UPDATE agents SET conflict_public_key = NULL, conflict_at = NULL, updated_at = ${now} WHERE guid = ${guid}`;
  }

  async revoke(guid: string, now: number): Promise<boolean> {
    const result = await this.sql`UPDATE agents SET state = 'revoked', revoked_at = ${now}, updated_at = ${now} WHERE guid = ${guid} AND state != 'revoked'`;
    return result.count === 1;
  }

  async remove(guid: string): Promise<boolean> {
    return (await this.sql`DELETE FROM agents WHERE guid = ${guid}`).count === 1;
  }

  async recordIssued({ guid, publicKey, serial, notAfter, hostname, now }: IssuedRecord): Promise<boolean> {
    const written = await this.sql`UPDATE agents SET cert_serial = ${serial}, cert_not_after = ${notAfter}, hostname = ${hostname}, updated_at = ${now}, may_collect = 0
      WHERE guid = ${guid} AND state = 'registered' AND public_key = ${publicKey}`;
    return written.count === 1;
  }

  async markSeen(guid: string, now: number): Promise<void> {
    await this.sql`UPDATE agents SET last_seen = ${now} WHERE guid = ${guid}`;
  }

  async purgePendingBefore(before: number): Promise<number> {
    // A returning agent proved it holds a once-approved key: not purged like an unknown newcomer.
    return (await this.sql`DELETE FROM agents WHERE state = 'pending' AND is_returning = 0 AND updated_at < ${before}`).count;
  }

  async registeredHolderOf(hostname: string, exceptGuid: string): Promise<string | undefined> {
    const [row] = await this.sql`SELECT guid FROM agents WHERE hostname = ${hostname} AND guid != ${exceptGuid} AND state = 'registered' LIMIT 1`;
    return row?.guid;
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.sql`SELECT COUNT(*)::int AS n FROM agents WHERE state = 'pending'`;
    return row.n;
  }

  async soonestCertificateExpiry(): Promise<number | undefined> {
    const [row] = await this.sql`SELECT MIN(cert_not_after) AS t FROM agents WHERE state = 'registered'`;
    return row.t === null ? undefined : Number(row.t);
  }

  async countByState(): Promise<Record<AgentState, number>> {
    const out: Record<AgentState, number> = { pending: 0, registered: 0, revoked: 0 };
    for (const row of await this.sql`SELECT state, COUNT(*)::int AS n FROM agents GROUP BY state`) out[row.state as AgentState] = row.n;
    return out;
  }
}
