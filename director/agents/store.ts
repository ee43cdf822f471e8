import type { Database } from 'bun:sqlite';

export type AgentState = 'pending' | 'registered' | 'revoked';

export interface AgentRecord {
  guid: string;
  hostname: string;
  state: AgentState;
  publicKey: Uint8Array;
  csr: Uint8Array;
  csrFingerprint: string;
  certSerial: string | null;
  certNotAfter: number | null;
  remoteAddress: string;
  createdAt: number;
  updatedAt: number;
  approvedAt: number | null;
  approvedBy: string | null;
  revokedAt: number | null;
  lastSeen: number | null;
  conflictPublicKey: Uint8Array | null;
  conflictAt: number | null;
  /** An approval allows one certificate to be collected by registering (cleared once issued). */
  mayCollect: boolean;
  /** Pending again after it was registered with this same key (certificate expired or lost). */
  returning: boolean;
}

interface Row {
  guid: string;
  hostname: string;
  state: AgentState;
  public_key: Uint8Array;
  csr: Uint8Array;
  csr_fingerprint: string;
  cert_serial: string | null;
  cert_not_after: number | null;
  remote_address: string;
  created_at: number;
  updated_at: number;
  approved_at: number | null;
  approved_by: string | null;
  revoked_at: number | null;
  last_seen: number | null;
  conflict_public_key: Uint8Array | null;
  conflict_at: number | null;
  may_collect: number;
  is_returning: number;
}

const fromRow = (r: Row): AgentRecord => ({
  guid: r.guid,
  hostname: r.hostname,
  state: r.state,
  publicKey: r.public_key,
  csr: r.csr,
  csrFingerprint: r.csr_fingerprint,
  certSerial: r.cert_serial,
  certNotAfter: r.cert_not_after,
  remoteAddress: r.remote_address,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  approvedAt: r.approved_at,
  approvedBy: r.approved_by,
  revokedAt: r.revoked_at,
  lastSeen: r.last_seen,
  conflictPublicKey: r.conflict_public_key,
  conflictAt: r.conflict_at,
  mayCollect: r.may_collect === 1,
  returning: r.is_returning === 1,
});

/** agents.db access: every statement prepared once. */
export class AgentStore {
  private readonly q;

  constructor(private readonly db: Database) {
    this.q = {
      get: db.query<Row, [string]>('SELECT * FROM agents WHERE guid = ?'),
      all: db.query<Row, []>('SELECT * FROM agents ORDER BY created_at'),
      byState: db.query<Row, [string]>('SELECT * FROM agents WHERE state = ? ORDER BY created_at'),
      insert: db.query(
        `INSERT INTO agents (guid, hostname, state, public_key, csr, csr_fingerprint, remote_address, created_at, updated_at)
         VALUES ($guid, $hostname, 'pending', $publicKey, $csr, $csrFingerprint, $remoteAddress, $now, $now)`,
      ),
      updatePending: db.query(
        `UPDATE agents SET hostname = $hostname, public_key = $publicKey, csr = $csr, csr_fingerprint = $csrFingerprint,
         remote_address = $remoteAddress, updated_at = $now WHERE guid = $guid AND state = 'pending'`,
      ),
      setConflict: db.query('UPDATE agents SET conflict_public_key = $key, conflict_at = $now, csr = $csr, csr_fingerprint = $csrFingerprint, updated_at = $now WHERE guid = $guid'),
      approve: db.query(
        `UPDATE agents SET state = 'registered', approved_at = $now, approved_by = $by, updated_at = $now, may_collect = 1, is_returning = 0
         WHERE guid = $guid AND state = 'pending'`,
      ),
      adoptConflict: db.query(
        `UPDATE agents SET public_key = conflict_public_key, conflict_public_key = NULL, conflict_at = NULL,
         approved_at = $now, approved_by = $by, updated_at = $now, may_collect = 1 WHERE guid = $guid AND state = 'registered' AND conflict_public_key IS NOT NULL`,
      ),
      clearConflict: db.query('UPDATE agents SET conflict_public_key = NULL, conflict_at = NULL, updated_at = $now WHERE guid = $guid'),
      revoke: db.query(`UPDATE agents SET state = 'revoked', revoked_at = $now, updated_at = $now WHERE guid = $guid AND state != 'revoked'`),
      remove: db.query('DELETE FROM agents WHERE guid = ?'),
      issued: db.query('UPDATE agents SET cert_serial = $serial, cert_not_after = $notAfter, hostname = $hostname, updated_at = $now, may_collect = 0 WHERE guid = $guid'),
      returning: db.query(
        `UPDATE agents SET state = 'pending', is_returning = 1, hostname = $hostname, csr = $csr, csr_fingerprint = $csrFingerprint,
         remote_address = $remoteAddress, updated_at = $now WHERE guid = $guid AND state = 'registered' AND public_key = $publicKey`,
      ),
      seen: db.query('UPDATE agents SET last_seen = $now WHERE guid = $guid'),
      // A returning agent proved it holds a once-approved key: not purged like an unknown newcomer.
      purgePending: db.query("DELETE FROM agents WHERE state = 'pending' AND is_returning = 0 AND updated_at < ?"),
      counts: db.query<{ state: AgentState; n: number }, []>('SELECT state, COUNT(*) AS n FROM agents GROUP BY state'),
      holderOfHostname: db.query<{ guid: string }, [string, string]>("SELECT guid FROM agents WHERE hostname = ? AND guid != ? AND state = 'registered' LIMIT 1"),
      pendingCount: db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM agents WHERE state = 'pending'"),
      soonest: db.query<{ t: number | null }, []>("SELECT MIN(cert_not_after) AS t FROM agents WHERE state = 'registered'"),
    };
  }

  get(guid: string): AgentRecord | undefined {
    const row = this.q.get.get(guid);
    return row ? fromRow(row) : undefined;
  }

  list(state?: AgentState): AgentRecord[] {
    return (state ? this.q.byState.all(state) : this.q.all.all()).map(fromRow);
  }

  insertPending(a: { guid: string; hostname: string; publicKey: Uint8Array; csr: Uint8Array; csrFingerprint: string; remoteAddress: string; now: number }): void {
    this.q.insert.run(a);
  }

  updatePending(a: { guid: string; hostname: string; publicKey: Uint8Array; csr: Uint8Array; csrFingerprint: string; remoteAddress: string; now: number }): void {
    this.q.updatePending.run(a);
  }

  /** A registered agent asks again with its registered key: pending again until an admin approves. */
  markReturning(a: { guid: string; hostname: string; publicKey: Uint8Array; csr: Uint8Array; csrFingerprint: string; remoteAddress: string; now: number }): boolean {
    return this.q.returning.run(a).changes === 1;
  }

  recordKeyConflict(guid: string, key: Uint8Array, csr: Uint8Array, csrFingerprint: string, now: number): void {
    this.q.setConflict.run({ guid, key, csr, csrFingerprint, now });
  }

  approve(guid: string, by: string, now: number): boolean {
    return this.q.approve.run({ guid, by, now }).changes === 1;
  }

  adoptConflictingKey(guid: string, by: string, now: number): boolean {
    return this.q.adoptConflict.run({ guid, by, now }).changes === 1;
  }

  clearConflict(guid: string, now: number): void {
    this.q.clearConflict.run({ guid, now });
  }

  revoke(guid: string, now: number): boolean {
    return this.q.revoke.run({ guid, now }).changes === 1;
  }

  remove(guid: string): boolean {
    return this.q.remove.run(guid).changes === 1;
  }

  recordIssued(guid: string, serial: string, notAfter: number, hostname: string, now: number): void {
    this.q.issued.run({ guid, serial, notAfter, hostname, now });
  }

  markSeen(guid: string, now: number): void {
    this.q.seen.run({ guid, now });
  }

  /** Removes pending registrations not refreshed since `before`; returns how many. */
  purgePendingBefore(before: number): number {
    return this.q.purgePending.run(before).changes;
  }

  /** Another registered agent's GUID using this host name, if any (server ids are host names). */
  registeredHolderOf(hostname: string, exceptGuid: string): string | undefined {
    return this.q.holderOfHostname.get(hostname, exceptGuid)?.guid;
  }

  pendingCount(): number {
    return this.q.pendingCount.get()?.n ?? 0;
  }

  /** Earliest certificate expiry (ms) among registered agents, if any. */
  soonestCertificateExpiry(): number | undefined {
    return this.q.soonest.get()?.t ?? undefined;
  }

  countByState(): Record<AgentState, number> {
    const out: Record<AgentState, number> = { pending: 0, registered: 0, revoked: 0 };
    for (const r of this.q.counts.all()) out[r.state] = r.n;
    return out;
  }
}
