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

/** A certificate just issued to a registered agent, as recordIssued writes it. */
export interface IssuedRecord {
  guid: string;
  /** The key it was issued for: the write only happens while the agent is registered with this key. */
  publicKey: Uint8Array;
  serial: string;
  notAfter: number;
  hostname: string;
  now: number;
}

/** A row of table agents (same columns in both stores). */
export interface AgentRow {
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

export const fromRow = (r: AgentRow): AgentRecord => ({
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

type Registration = { guid: string; hostname: string; publicKey: Uint8Array; csr: Uint8Array; csrFingerprint: string; remoteAddress: string; now: number };

/**
 * Agent registrations, certificates and revocations. Async so the bun:sqlite implementation below and
 * the PostgreSQL one (store-postgres.ts) are interchangeable; both pass agent-store.contract.ts.
 * Boolean results say whether the conditional write took effect.
 */
export interface AgentStore {
  get(guid: string): Promise<AgentRecord | undefined>;
  list(state?: AgentState): Promise<AgentRecord[]>;
  insertPending(a: Registration): Promise<void>;
  updatePending(a: Registration): Promise<void>;
  /** A registered agent asks again with its registered key: pending again (returning) until approved. */
  markReturning(a: Registration): Promise<boolean>;
  recordKeyConflict(guid: string, key: Uint8Array, csr: Uint8Array, csrFingerprint: string, now: number): Promise<void>;
  /** Pending -> registered, allowed one certificate; the row as written, or undefined when it was not pending. */
  approve(guid: string, by: string, now: number): Promise<AgentRecord | undefined>;
  /** A registered agent's parked key becomes its key; the row as written, or undefined when none was parked. */
  adoptConflictingKey(guid: string, by: string, now: number): Promise<AgentRecord | undefined>;
  clearConflict(guid: string, now: number): Promise<void>;
  revoke(guid: string, now: number): Promise<boolean>;
  remove(guid: string): Promise<boolean>;
  /**
   * Records a certificate issued to the agent registered with `publicKey` (its approval is then used
   * up). False, writing nothing, when the agent is no longer registered with that key: revoked or
   * re-keyed while the certificate was made, which is then never handed out.
   */
  recordIssued(issued: IssuedRecord): Promise<boolean>;
  markSeen(guid: string, now: number): Promise<void>;
  /** Removes pending registrations not refreshed since `before`; returns how many. */
  purgePendingBefore(before: number): Promise<number>;
  /** Another registered agent's GUID using this host name, if any (server ids are host names). */
  registeredHolderOf(hostname: string, exceptGuid: string): Promise<string | undefined>;
  pendingCount(): Promise<number>;
  /** Earliest certificate expiry (ms) among registered agents, if any. */
  soonestCertificateExpiry(): Promise<number | undefined>;
  countByState(): Promise<Record<AgentState, number>>;
}

/** AgentStore on the embedded database (agents.db): every statement prepared once. */
export class SqliteAgentStore implements AgentStore {
  private readonly q;

  constructor(db: Database) {
    this.q = {
      get: db.query<AgentRow, [string]>('SELECT * FROM agents WHERE guid = ?'),
      all: db.query<AgentRow, []>('SELECT * FROM agents ORDER BY created_at'),
      byState: db.query<AgentRow, [string]>('SELECT * FROM agents WHERE state = ? ORDER BY created_at'),
      insert: db.query(
        `INSERT INTO agents (guid, hostname, state, public_key, csr, csr_fingerprint, remote_address, created_at, updated_at)
         VALUES ($guid, $hostname, 'pending', $publicKey, $csr, $csrFingerprint, $remoteAddress, $now, $now)`,
      ),
      updatePending: db.query(
        `UPDATE agents SET hostname = $hostname, public_key = $publicKey, csr = $csr, csr_fingerprint = $csrFingerprint,
         remote_address = $remoteAddress, updated_at = $now WHERE guid = $guid AND state = 'pending'`,
      ),
      setConflict: db.query('UPDATE agents SET conflict_public_key = $key, conflict_at = $now, csr = $csr, csr_fingerprint = $csrFingerprint, updated_at = $now WHERE guid = $guid'),
      approve: db.query<AgentRow, [{ guid: string; by: string; now: number }]>(
        `UPDATE agents SET state = 'registered', approved_at = $now, approved_by = $by, updated_at = $now, may_collect = 1, is_returning = 0
         WHERE guid = $guid AND state = 'pending' RETURNING *`,
      ),
      adoptConflict: db.query<AgentRow, [{ guid: string; by: string; now: number }]>(
        `UPDATE agents SET public_key = conflict_public_key, conflict_public_key = NULL, conflict_at = NULL,
         approved_at = $now, approved_by = $by, updated_at = $now, may_collect = 1 WHERE guid = $guid AND state = 'registered' AND conflict_public_key IS NOT NULL RETURNING *`,
      ),
      clearConflict: db.query('UPDATE agents SET conflict_public_key = NULL, conflict_at = NULL, updated_at = $now WHERE guid = $guid'),
      revoke: db.query(`UPDATE agents SET state = 'revoked', revoked_at = $now, updated_at = $now WHERE guid = $guid AND state != 'revoked'`),
      remove: db.query('DELETE FROM agents WHERE guid = ?'),
      issued: db.query(
        "UPDATE agents SET cert_serial = $serial, cert_not_after = $notAfter, hostname = $hostname, updated_at = $now, may_collect = 0 WHERE guid = $guid AND state = 'registered' AND public_key = $publicKey",
      ),
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

  async get(guid: string): Promise<AgentRecord | undefined> {
    const row = this.q.get.get(guid);
    return row ? fromRow(row) : undefined;
  }

  async list(state?: AgentState): Promise<AgentRecord[]> {
    return (state ? this.q.byState.all(state) : this.q.all.all()).map(fromRow);
  }

  async insertPending(registration: Registration): Promise<void> {
    this.q.insert.run(registration);
  }

  async updatePending(registration: Registration): Promise<void> {
    this.q.updatePending.run(registration);
  }

  /** A registered agent asks again with its registered key: pending again until an admin approves. */
  async markReturning(registration: Registration): Promise<boolean> {
    return this.q.returning.run(registration).changes === 1;
  }

  async recordKeyConflict(guid: string, key: Uint8Array, csr: Uint8Array, csrFingerprint: string, now: number): Promise<void> {
    this.q.setConflict.run({ guid, key, csr, csrFingerprint, now });
  }

  async approve(guid: string, by: string, now: number): Promise<AgentRecord | undefined> {
    const row = this.q.approve.get({ guid, by, now });
    return row ? fromRow(row) : undefined;
  }

  async adoptConflictingKey(guid: string, by: string, now: number): Promise<AgentRecord | undefined> {
    const row = this.q.adoptConflict.get({ guid, by, now });
    return row ? fromRow(row) : undefined;
  }

  async clearConflict(guid: string, now: number): Promise<void> {
    this.q.clearConflict.run({ guid, now });
  }

  async revoke(guid: string, now: number): Promise<boolean> {
    return this.q.revoke.run({ guid, now }).changes === 1;
  }

  async remove(guid: string): Promise<boolean> {
    return this.q.remove.run(guid).changes === 1;
  }

  async recordIssued(issued: IssuedRecord): Promise<boolean> {
    return this.q.issued.run({ ...issued }).changes === 1;
  }

  async markSeen(guid: string, now: number): Promise<void> {
    this.q.seen.run({ guid, now });
  }

  /** Removes pending registrations not refreshed since `before`; returns how many. */
  async purgePendingBefore(before: number): Promise<number> {
    return this.q.purgePending.run(before).changes;
  }

  /** Another registered agent's GUID using this host name, if any (server ids are host names). */
  async registeredHolderOf(hostname: string, exceptGuid: string): Promise<string | undefined> {
    return this.q.holderOfHostname.get(hostname, exceptGuid)?.guid;
  }

  async pendingCount(): Promise<number> {
    return this.q.pendingCount.get()?.n ?? 0;
  }

  /** Earliest certificate expiry (ms) among registered agents, if any. */
  async soonestCertificateExpiry(): Promise<number | undefined> {
    return this.q.soonest.get()?.t ?? undefined;
  }

  async countByState(): Promise<Record<AgentState, number>> {
    const out: Record<AgentState, number> = { pending: 0, registered: 0, revoked: 0 };
    for (const row of this.q.counts.all()) out[row.state] = row.n;
    return out;
  }
}
