import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import { certFacts } from '../../shared/pki/native-cert.ts';
import { createCsr } from '../identity/ed25519-csr.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { DirectorError, REGISTER_AGAIN, type DirectorClient } from '../director-client.ts';
import { loadCertificate, storeCertificate, type AgentIdentity, type StoredCertificate } from '../identity/identity.ts';
import { decideRenewal } from './schedule.ts';
import { StepLoop } from '../step-loop.ts';

export interface RenewerOptions {
  identity: AgentIdentity;
  client: DirectorClient;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  retryMs: number;
  /** Called with the new certificate after it is stored (hot reload of the mTLS server). */
  onRenewed: (cert: StoredCertificate) => void;
  /** Called when the certificate expired: the daemon falls back to registration. */
  onExpired: () => void;
  random?: () => number;
}

/** Renews the agent certificate over mTLS on schedule; retries every retryMs on failure. */
export class Renewer {
  private readonly loop = new StepLoop(
    () => this.tick(),
    (err) => {
      this.o.log.error('renewal step failed; will retry', { error: (err as Error).message, retryInMs: this.o.retryMs });
      return this.o.retryMs;
    },
  );
  private readonly jitter: number;
  /** A certificate whose file is dated in the future, and when this agent first saw it (see obtainedAt). */
  private futureDated: { pem: string; seenAt: number } | undefined;

  constructor(private readonly o: RenewerOptions) {
    this.jitter = (o.random ?? Math.random)();
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  /** The certificate is no use any more (expired, or the director forgot the agent): register again. */
  onExpiredOrForgotten(why: string): void {
    this.o.log.warn('registering again with the same GUID and key', { why });
    this.o.onExpired();
  }

  /**
   * When the certificate was obtained: its file's date, except for a file dated after now (the clock
   * was set back since, as a fresh machine's first time sync may do), which counts from when this
   * agent first saw it so: else renewal would wait out the clock's jump.
   */
  private obtainedAt(current: StoredCertificate): number {
    const now = this.o.clock.now();
    if (current.obtainedAt <= now) return current.obtainedAt;
    if (this.futureDated?.pem !== current.pem) this.futureDated = { pem: current.pem, seenAt: now };
    return this.futureDated.seenAt;
  }

  /** One step: renew if due; returns the delay until the next step. */
  async tick(): Promise<number> {
    const current = loadCertificate(this.o.identity);
    if (!current) {
      this.o.onExpired();
      return -1;
    }
    const times = { obtainedAt: this.obtainedAt(current), notBefore: current.info.notBefore.getTime(), notAfter: current.info.notAfter.getTime() };
    const decision = decideRenewal(this.o.clock.now(), times, this.o.intervalMs, this.jitter);
    if (decision.action === 'register') {
      this.o.log.warn('certificate expired; registering again with the same GUID and key');
      this.o.onExpired();
      return -1;
    }
    if (decision.action === 'wait') return decision.dueAt - this.o.clock.now();
    try {
      const csr = await createCsr(this.o.identity.keys, agentCn(this.o.identity.guid));
      const issued = await this.o.client.renew(Buffer.from(csr).toString('base64'), {
        certPem: current.pem,
        keyPem: this.o.identity.keyPem,
        caPem: current.caPem,
      });
      const info = certFacts(issued.certificate);
      storeCertificate(this.o.identity, issued.certificate);
      this.o.log.info('certificate renewed', { serial: info.serialHex, notAfter: info.notAfter.toISOString() });
      this.o.onRenewed({ pem: issued.certificate, info, caPem: current.caPem, obtainedAt: this.o.clock.now() });
      return 1;
    } catch (err) {
      // A director that lost this agent (our AGENT_UNKNOWN, or the Go director's 401 "unknown agent"),
      // made it pending again, or adopted another key for its GUID: retrying the renewal cannot help.
      if (err instanceof DirectorError && REGISTER_AGAIN.has(err.code)) {
        this.onExpiredOrForgotten(`the director refused to renew this agent's certificate: ${err.code}`);
        return -1;
      }
      this.o.log.warn('renewal failed; will retry', { error: (err as Error).message, retryInMs: this.o.retryMs });
      return this.o.retryMs;
    }
  }
}
