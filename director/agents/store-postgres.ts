import type { SQL } from 'bun';
import { fromRow, type AgentRecord, type AgentRow, type AgentState, type AgentStore } from './store.ts';

type Registration = Parameters<AgentStore['insertPending']>[0];

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Uint8Array);

/** int8 columns arrive as strings and bytea as Buffer: normalise to the shape the sqlite rows have. */
function toRecord(r: Record<string, unknown>): AgentRecord {
  return fromRow({
    ...(r as unknown as AgentRow),
    public_key: bytes(r.public_key),
    csr: bytes(r.csr),
    conflict_public_key: r.conflict_public_key ? bytes(r.conflict_public_key) : null,
    cert_not_after: n(r.cert_not_after),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
    approved_at: n(r.approved_at),
    revoked_at: n(r.revoked_at),
    last_seen: n(r.last_seen),
    conflict_at: n(r.conflict_at),
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

  async insertPending(a: Registration): Promise<void> {
    await this.sql`INSERT INTO agents (guid, hostname, state, public_key, csr, csr_fingerprint, remote_address, created_at, updated_at)
      VALUES (${a.guid}, ${a.hostname}, 'pending', ${a.publicKey}, ${a.csr}, ${a.csrFingerprint}, ${a.remoteAddress}, ${a.now}, ${a.now})`;
  }

  async updatePending(a: Registration): Promise<void> {
    await this.sql`UPDATE agents SET hostname = ${a.hostname}, public_key = ${a.publicKey}, csr = ${a.csr}, csr_fingerprint = ${a.csrFingerprint},
      remote_address = ${a.remoteAddress}, updated_at = ${a.now} WHERE guid = ${a.guid} AND state = 'pending'`;
  }

  async markReturning(a: Registration): Promise<boolean> {
    const r = await this.sql`UPDATE agents SET state = 'pending', is_returning = 1, hostname = ${a.hostname}, csr = ${a.csr}, csr_fingerprint = ${a.csrFingerprint},
      remote_address = ${a.remoteAddress}, updated_at = ${a.now} WHERE guid = ${a.guid} AND state = 'registered' AND public_key = ${a.publicKey}`;
    return r.count === 1;
  }

  async recordKeyConflict(guid: string, key: Uint8Array, csr: Uint8Array, csrFingerprint: string, now: number): Promise<void> {
    await this.sql`UPDATE agents SET conflict_public_key = ${key}, conflict_at = ${now}, csr = ${csr}, csr_fingerprint = ${csrFingerprint}, updated_at = ${now} WHERE guid = ${guid}`;
  }

  async approve(guid: string, by: string, now: number): Promise<boolean> {
    const r = await this.sql`UPDATE agents SET state = 'registered', approved_at = ${now}, approved_by = ${by}, updated_at = ${now}, may_collect = 1, is_returning = 0
      WHERE guid = ${guid} AND state = 'pending'`;
    return r.count === 1;
  }

  async adoptConflictingKey(guid: string, by: string, now: number): Promise<boolean> {
    const r = await this.sql`UPDATE agents SET public_key = conflict_public_key, conflict_public_key = NULL, conflict_at = NULL,
      approved_at = ${now}, approved_by = ${by}, updated_at = ${now}, may_collect = 1 WHERE guid = ${guid} AND state = 'registered' AND conflict_public_key IS NOT NULL`;
    return r.count === 1;
  }

  async clearConflict(guid: string, now: number): Promise<void> {
    await this.sql`UPDATE agents SET conflict_public_key = NULL, conflict_at = NULL, updated_at = ${now} WHERE guid = ${guid}`;
  }

  async revoke(guid: string, now: number): Promise<boolean> {
    const r = await this.sql`UPDATE agents SET state = 'revoked', revoked_at = ${now}, updated_at = ${now} WHERE guid = ${guid} AND state != 'revoked'`;
    return r.count === 1;
  }

  async remove(guid: string): Promise<boolean> {
    return (await this.sql`DELETE FROM agents WHERE guid = ${guid}`).count === 1;
  }

  async recordIssued(guid: string, serial: string, notAfter: number, hostname: string, now: number): Promise<void> {
    await this.sql`UPDATE agents SET cert_serial = ${serial}, cert_not_after = ${notAfter}, hostname = ${hostname}, updated_at = ${now}, may_collect = 0 WHERE guid = ${guid}`;
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
    for (const r of await this.sql`SELECT state, COUNT(*)::int AS n FROM agents GROUP BY state`) out[r.state as AgentState] = r.n;
    return out;
  }
}
