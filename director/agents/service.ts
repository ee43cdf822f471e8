import type { IssuedCertificate } from '../../shared/api/agent-enrolment.ts';
import { isHostName } from '../../shared/api/host-name.ts';
import type { Clock } from '../../shared/clock.ts';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { bytesEqual, certificateSpki } from '../../shared/pki/native-cert.ts';
import { guidFromCn, isGuid } from '../../shared/pki/names.ts';
import type { AuditLog } from '../audit/types.ts';
import type { CertificateAuthority } from '../ca/authority.ts';
import type { AgentIdentity } from '../http/guards.ts';
import { checkOptions } from '../../shared/options.ts';
import { checkAgentCsr } from './csr-checks.ts';
import type { JoinTokenRecord } from './join-token-store.ts';
import type { JoinTokens } from './join-tokens.ts';
import type { AgentRecord, AgentState, AgentStore } from './store.ts';

/** How often an agent should try to renew (12 h, as the Go dcvix director says); certificates live 14 days. */
const RENEWAL_INTERVAL_SECONDS = 43_200;

export interface AgentServiceOptions {
  store: AgentStore;
  ca: CertificateAuthority;
  clock: Clock;
  audit: AuditLog;
  log: Logger;
  /** Pending registrations accepted at most (unauthenticated callers must not grow agents.db forever). */
  maxPending: number;
  /** Config reissue_to_known_key: a registered key registering again gets a certificate without approval even after its certificate expired. */
  reissueToKnownKey: boolean;
  /** After a revocation is committed and before it is answered: the agent's server leaves placement everywhere. */
  onRevoked: (guid: string) => Promise<void>;
  /** Live sessions on this agent's server (revoking such an agent needs `force`). */
  liveSessions: (guid: string) => number;
  /** Throws 429 when this address may not start another new registration now (register-rate.ts). */
  admitNewRegistration: (address: string) => void;
  /** Join tokens an agent may register with to be admitted without approval. */
  joinTokens: JoinTokens;
}

/** A registration as the agent sends it, with the address it came from. */
interface RegisterInput {
  guid: string;
  hostname: string;
  csr: string;
  remoteAddress: string;
  /** A join token's text form (never logged, audited or answered). */
  joinToken?: string;
}

/** Enrolment, renewal and the admin's approve / deny / revoke, over agents.db and the CA. */
export class AgentService {
  private readonly lastSeenWritten = new Map<string, number>();
  private summary: { counts: Record<AgentState, number>; soonest: number | undefined } = { counts: { pending: 0, registered: 0, revoked: 0 }, soonest: undefined };
  /** guid -> the certificate last accepted for it; see authenticateAgent. */
  private readonly accepted = new Map<string, { der: Uint8Array; identity: AgentIdentity }>();
  private readonly store: AgentStore;
  private readonly ca: CertificateAuthority;
  private readonly clock: Clock;
  private readonly audit: AuditLog;
  private readonly log: Logger;
  private readonly o: AgentServiceOptions;

  constructor(options: AgentServiceOptions) {
    this.o = checkOptions('AgentService', options, {
      store: 'object',
      ca: 'object',
      clock: 'object',
      audit: 'object',
      log: 'object',
      maxPending: 'number',
      reissueToKnownKey: 'boolean',
      onRevoked: 'function',
      liveSessions: 'function',
      admitNewRegistration: 'function',
      joinTokens: 'object',
    });
    ({ store: this.store, ca: this.ca, clock: this.clock, audit: this.audit, log: this.log } = options);
  }

  /**
   * POST /v1/agent/register. Unknown GUID -> pending (403); pending -> newest CSR kept (403);
   * registered and just approved -> its certificate; registered with the same key while the latest
   * certificate issued to it is still valid -> a fresh certificate, no approval (the public Go dcvix
   * agent registers on every start); registered with the same key after that certificate expired ->
   * pending again, shown as returning (403), unless reissue_to_known_key; a different key never takes
   * over a registered identity: it is parked for the admin (409); revoked -> refused.
   * A valid join token stands in for the approval of a new, pending or returning agent (even while the
   * pending list is full); an invalid one is refused (403 JOIN_TOKEN_*, nothing written) and the agent
   * registers again without it.
   */
  async register(input: RegisterInput): Promise<IssuedCertificate> {
    if (!isGuid(input.guid)) throw badRequest('INVALID_GUID', 'guid must be a lower-case UUIDv4');
    if (!isHostName(input.hostname)) throw badRequest('INVALID_HOSTNAME', 'hostname is not a valid host name');
    // Rate-limit unknown GUIDs per address before any CSR work: a flood must stay cheap to refuse. A
    // valid join token (one indexed read and a hash) is exempt: 1,000 hosts behind one NAT may enrol.
    const known = await this.store.get(input.guid);
    const newcomerToken = !known && input.joinToken ? await this.admittingToken(input, input.joinToken, true) : undefined;
    if (!known && !newcomerToken) this.o.admitNewRegistration(input.remoteAddress);
    const csr = checkAgentCsr(input.csr, input.guid);
    const now = this.clock.now();
    this.accepted.delete(input.guid);
    const row = { guid: input.guid, hostname: input.hostname, publicKey: csr.parsed.publicKeySpki, csr: csr.der, csrFingerprint: csr.fingerprint, remoteAddress: input.remoteAddress, now };

    if (!known) {
      if (newcomerToken && (await this.hostnameFreeFor(input))) return this.admitWithToken(newcomerToken, row, undefined);
      if ((await this.store.pendingCount()) >= this.o.maxPending) {
        // 2 min: below the agents' 5-min back-off cap, so their jitter (up to +50 %) spreads the returns.
        throw new ApiError(429, 'TOO_MANY_PENDING', 'too many registrations are waiting for approval; try later', undefined, { 'retry-after': '120' });
      }
      await this.store.insertPending(row);
      this.log.info('agent registration pending', { guid: input.guid, hostname: input.hostname, csrFingerprint: csr.fingerprint });
      throw pending();
    }
    if (known.state === 'revoked') throw forbidden('AGENT_REVOKED', 'this agent has been revoked');
    if (known.state === 'pending') {
      if (input.joinToken && (await this.hostnameFreeFor(input))) return this.admitWithToken(await this.admittingToken(input, input.joinToken, false), row, known);
      await this.store.updatePending(row);
      throw pending();
    }
    if (!bytesEqual(known.publicKey, csr.parsed.publicKeySpki)) {
      await this.store.recordKeyConflict(input.guid, csr.parsed.publicKeySpki, csr.der, csr.fingerprint, now);
      this.log.warn('registered agent presented a different key', { guid: input.guid, csrFingerprint: csr.fingerprint });
      throw conflict('AGENT_KEY_MISMATCH', 'this GUID is registered with another key; an administrator must approve the new key');
    }
    await this.checkHostnameFree(input.hostname, input.guid);
    if (known.mayCollect) return this.issue(known, csr.parsed.publicKeySpki, input.hostname);
    const stillValid = known.certNotAfter !== null && known.certNotAfter > now;
    if (stillValid || this.o.reissueToKnownKey) return this.reissue(known, csr.parsed.publicKeySpki, input, stillValid);
    if (input.joinToken) {
      // Returning with its old key past expiry: the token re-approves it, as an admin would.
      const token = await this.admittingToken(input, input.joinToken, false);
      await this.o.joinTokens.use(token, input);
      this.auditTokenApproval(token, input, 'returning with the same key');
      return this.issue(known, csr.parsed.publicKeySpki, input.hostname);
    }
    // Expired: the agent.key alone must not mint certificates: an admin approves the returning agent again.
    await this.store.markReturning(row);
    this.accepted.delete(input.guid);
    this.audit.record({
      type: 'agent.returning',
      target: input.guid,
      clientAddress: input.remoteAddress,
      outcome: 'success',
      detail: `${input.hostname}: registered before with the same key; pending approval again`,
    });
    this.log.warn('registered agent registers again with the same key; pending approval again', { guid: input.guid, hostname: input.hostname, csrFingerprint: csr.fingerprint });
    throw pending();
  }

  /** POST /v1/agent/renew: same GUID as the mTLS identity, state registered, same key. */
  async renew(identity: AgentIdentity, csrBase64: string): Promise<IssuedCertificate> {
    const csr = checkAgentCsr(csrBase64, identity.guid);
    const record = await this.store.get(identity.guid);
    if (record?.state !== 'registered') throw forbidden('AGENT_NOT_REGISTERED', 'agent is not registered');
    if (!bytesEqual(record.publicKey, csr.parsed.publicKeySpki)) throw forbidden('AGENT_KEY_MISMATCH', 'renewal must keep the registered key');
    return this.issue(record, csr.parsed.publicKeySpki, record.hostname);
  }

  /**
   * The mTLS check behind every agent route; see requireAgent. The last certificate accepted per agent
   * is remembered (every agent updates every 30 s); any change to the agent's row forgets it, so a
   * revoke or a key change still bites on the very next request.
   */
  async authenticateAgent(certDer: Uint8Array, subjectCn: string | undefined): Promise<AgentIdentity> {
    const guid = guidFromCn(subjectCn);
    if (!guid) throw forbidden('NOT_AN_AGENT', 'client certificate does not name an agent');
    const cached = this.accepted.get(guid);
    if (cached && bytesEqual(cached.der, certDer)) return cached.identity;
    const record = await this.store.get(guid);
    if (!record) throw forbidden('AGENT_UNKNOWN', 'agent is not known');
    if (record.state === 'revoked') throw forbidden('AGENT_REVOKED', 'this agent has been revoked');
    if (record.state !== 'registered') throw forbidden('AGENT_NOT_REGISTERED', 'agent is not registered');
    if (!bytesEqual(certificateSpki(certDer), record.publicKey)) {
      throw forbidden('AGENT_KEY_MISMATCH', 'client certificate key is not the registered key');
    }
    const identity = { guid, hostname: record.hostname };
    this.accepted.set(guid, { der: certDer, identity });
    return identity;
  }

  list(state?: AgentState): Promise<AgentRecord[]> {
    return this.store.list(state);
  }

  get(guid: string): Promise<AgentRecord | undefined> {
    return this.store.get(guid);
  }

  /** Approve a pending agent, or a registered agent's parked new key. Optional fingerprint pinning. */
  async approve(guid: string, admin: string, expectedFingerprint?: string): Promise<AgentRecord> {
    const record = await this.mustGet(guid);
    if (expectedFingerprint && expectedFingerprint.toUpperCase() !== record.csrFingerprint) {
      throw conflict('FINGERPRINT_MISMATCH', 'the CSR changed since it was reviewed');
    }
    this.accepted.delete(guid);
    if (record.state === 'pending') await this.checkHostnameFree(record.hostname, guid);
    const now = this.clock.now();
    // The conditional write answers with the row as written: no second read for the answer.
    const approved =
      record.state === 'pending'
        ? await this.store.approve(guid, admin, now)
        : record.state === 'registered' && record.conflictPublicKey
          ? await this.store.adoptConflictingKey(guid, admin, now)
          : undefined;
    if (!approved) throw conflict('INVALID_STATE', `agent is ${record.state} and has nothing to approve`);
    this.audit.record({ type: 'agent.approve', actor: admin, target: guid, outcome: 'success', detail: record.hostname });
    return approved;
  }

  /** Deny a pending agent (its row goes) or a registered agent's parked key (the key is dropped). */
  async deny(guid: string, admin: string): Promise<void> {
    const record = await this.mustGet(guid);
    this.accepted.delete(guid);
    if (record.state === 'pending') await this.store.remove(guid);
    else if (record.state === 'registered' && record.conflictPublicKey) await this.store.clearConflict(guid, this.clock.now());
    else throw conflict('INVALID_STATE', `agent is ${record.state} and has nothing to deny`);
    this.audit.record({ type: 'agent.deny', actor: admin, target: guid, outcome: 'success', detail: record.hostname });
  }

  /** Revokes a registered agent; with live sessions only when `force` (they are then shown orphaned). */
  async revoke(guid: string, admin: string, force = false): Promise<AgentRecord> {
    const record = await this.mustGet(guid);
    if (record.state !== 'registered') throw conflict('INVALID_STATE', `agent is ${record.state}; only registered agents can be revoked`);
    const live = this.o.liveSessions(guid);
    if (live > 0 && !force) {
      throw conflict('AGENT_HAS_SESSIONS', `${record.hostname} has ${live} live session${live === 1 ? '' : 's'}; send {"force": true} to revoke anyway (they will be shown as orphaned)`);
    }
    await this.store.revoke(guid, this.clock.now());
    this.accepted.delete(guid);
    // Committed on both sides before the answer: no director places on the host or takes its updates now.
    await this.o.onRevoked(guid);
    this.audit.record({ type: 'agent.revoke', actor: admin, target: guid, outcome: 'success', detail: live ? `${record.hostname}; forced with ${live} live sessions` : record.hostname });
    this.log.info('agent revoked', { guid, by: admin });
    return await this.mustGet(guid);
  }

  /** Removes a pending or revoked registration (the bulk "clear"); a revoked GUID may then register anew. */
  async clear(guid: string, admin: string): Promise<void> {
    const record = await this.mustGet(guid);
    if (record.state === 'registered') throw conflict('INVALID_STATE', 'agent is registered; revoke it first');
    this.accepted.delete(guid);
    await this.store.remove(guid);
    this.audit.record({ type: 'agent.clear', actor: admin, target: guid, outcome: 'success', detail: `${record.hostname} (${record.state})` });
  }

  /**
   * Another director changed this agent's registration: forget the cached certificate so the next
   * request re-reads the store ("*": the store was away and notices may be lost: forget them all).
   * What a revoke did to the agent's server arrives as fleet rows (servers/fleet.ts).
   */
  forgetCertificate(guid: string): void {
    if (guid === '*') this.accepted.clear();
    else this.accepted.delete(guid);
  }

  /** Live sessions on the agent's server, as this director knows them (the admin list shows them). */
  liveSessions(guid: string): number {
    return this.o.liveSessions(guid);
  }

  /** Counts as of the last refreshSummary() (metrics read them synchronously). */
  countByState(): Record<AgentState, number> {
    return this.summary.counts;
  }

  soonestCertificateExpiry(): number | undefined {
    return this.summary.soonest;
  }

  /** Reloads what countByState() and soonestCertificateExpiry() report (called before a metrics scrape). */
  async refreshSummary(): Promise<void> {
    this.summary = { counts: await this.store.countByState(), soonest: await this.store.soonestCertificateExpiry() };
  }

  /** Records an agent's last contact; written at most once a minute per agent (updates come every 30 s). */
  markSeen(guid: string): void {
    const now = this.clock.now();
    if (now - (this.lastSeenWritten.get(guid) ?? 0) < 60_000) return;
    this.lastSeenWritten.set(guid, now);
    void this.store.markSeen(guid, now).catch((error) => this.log.warn('could not record agent contact', { guid, error }));
  }

  purgeStalePending(maxAgeMs: number): Promise<number> {
    return this.store.purgePendingBefore(this.clock.now() - maxAgeMs);
  }

  /**
   * A registered agent registering again with its registered key gets a certificate without approval.
   * The CSR's signature proves the key. While the certificate last issued for it is valid, the holder
   * of that key could renew over mTLS anyway (a copy of agent.key nearly always comes with agent.crt
   * beside it), so this grants nothing new; past expiry only reissue_to_known_key allows it.
   */
  private async reissue(known: AgentRecord, publicKeySpki: Uint8Array, input: { guid: string; hostname: string; remoteAddress: string }, stillValid: boolean) {
    const why = stillValid ? `certificate valid until ${new Date(known.certNotAfter!).toISOString()}` : 'certificate expired; reissue_to_known_key';
    this.audit.record({
      type: 'agent.reissue',
      target: input.guid,
      clientAddress: input.remoteAddress,
      outcome: 'success',
      detail: `${input.hostname}: registered again with the same key (${why}); re-issued without approval`,
    });
    this.log.info('registered agent registers again with the same key; re-issued without approval', { guid: input.guid, hostname: input.hostname, stillValid });
    return this.issue(known, publicKeySpki, input.hostname);
  }

  /**
   * The join token presented, when it admits this host now; else its refusal is audited and thrown. A
   * newcomer's refused token counts against its address like any new registration (guessing is
   * rate-limited too), and the 429 then answers instead.
   */
  private async admittingToken(input: RegisterInput, text: string, newcomer: boolean): Promise<JoinTokenRecord> {
    const verdict = await this.o.joinTokens.check(text, input.hostname);
    if ('admits' in verdict) return verdict.admits;
    if (newcomer) this.o.admitNewRegistration(input.remoteAddress);
    throw this.o.joinTokens.refuse(verdict, input);
  }

  /**
   * Whether a join token may admit this host now: not while another registered agent holds its name.
   * The registration then waits pending, as without a token (a re-imaged host shows up for the admin),
   * and the token admits it once the old registration is revoked.
   */
  private async hostnameFreeFor(input: RegisterInput): Promise<boolean> {
    const holder = await this.store.registeredHolderOf(input.hostname, input.guid);
    if (holder) this.log.warn('join token not applied: another registered agent holds the host name', { guid: input.guid, hostname: input.hostname, holder });
    return !holder;
  }

  /** A new or pending agent admitted by a join token: one use taken, registered, its certificate issued. */
  private async admitWithToken(token: JoinTokenRecord, row: Parameters<AgentStore['insertPending']>[0], known: AgentRecord | undefined): Promise<IssuedCertificate> {
    await this.o.joinTokens.use(token, row);
    if (known) await this.store.updatePending(row);
    else await this.store.insertPending(row);
    const approved = await this.store.approve(row.guid, `join token ${token.id}`, row.now);
    // Approved (or denied) by an admin in the same instant: the agent's next registration says which.
    if (!approved) throw pending();
    this.auditTokenApproval(token, row, known ? 'was pending' : 'new');
    return this.issue(approved, row.publicKey, row.hostname);
  }

  /** The approval a join token gave, as agent.approve (beside the token's own join-token.use event). */
  private auditTokenApproval(token: JoinTokenRecord, who: { guid: string; hostname: string; remoteAddress: string }, how: string): void {
    this.audit.record({ type: 'agent.approve', actor: `join token ${token.id}`, target: who.guid, clientAddress: who.remoteAddress, outcome: 'success', detail: `${who.hostname} (${how})` });
    this.log.info('agent admitted by a join token', { guid: who.guid, hostname: who.hostname, joinToken: token.id });
  }

  private async issue(record: AgentRecord, publicKeySpki: Uint8Array, hostname: string): Promise<IssuedCertificate> {
    this.accepted.delete(record.guid);
    const { pem, notAfter, serialHex } = await this.ca.issueAgentCertificate(publicKeySpki, record.guid);
    const recorded = await this.store.recordIssued({ guid: record.guid, publicKey: publicKeySpki, serial: serialHex, notAfter: notAfter.getTime(), hostname, now: this.clock.now() });
    if (!recorded) {
      // Revoked (or re-keyed) while the certificate was made: it is dropped, never handed out.
      this.log.warn('agent certificate dropped: the registration changed while it was made', { guid: record.guid, serial: serialHex });
      if ((await this.store.get(record.guid))?.state === 'revoked') throw forbidden('AGENT_REVOKED', 'this agent has been revoked');
      throw forbidden('AGENT_NOT_REGISTERED', 'the registration changed while the certificate was made; register again');
    }
    this.log.info('agent certificate issued', { guid: record.guid, serial: serialHex, notAfter: notAfter.toISOString() });
    const ca = this.ca.caCertPem;
    return { certificate: pem, caCertificate: ca, ca, agentId: record.guid, notAfter: notAfter.toISOString(), renewalIntervalSeconds: RENEWAL_INTERVAL_SECONDS };
  }

  /**
   * Servers are named by host name, so two registered agents may not share one. A re-imaged host (new
   * key and GUID) still shows up as pending; it can be approved once the old registration is revoked.
   */
  private async checkHostnameFree(hostname: string, guid: string): Promise<void> {
    const holder = await this.store.registeredHolderOf(hostname, guid);
    if (holder) throw conflict('HOSTNAME_TAKEN', `host name ${hostname} belongs to registered agent ${holder}; revoke that one first`);
  }

  private async mustGet(guid: string): Promise<AgentRecord> {
    if (!isGuid(guid)) throw badRequest('INVALID_GUID', 'guid must be a lower-case UUIDv4');
    const record = await this.store.get(guid);
    if (!record) throw notFound('AGENT_NOT_FOUND', 'no such agent');
    return record;
  }
}

const pending = () => new ApiError(403, 'AGENT_PENDING', 'pending approval');
