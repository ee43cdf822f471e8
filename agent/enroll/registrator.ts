import { hostname as osHostname } from 'node:os';
import type { Logger } from '../../shared/log.ts';
import { createCsr } from '../identity/ed25519-csr.ts';
import { sha256Fingerprint } from '../../shared/pki/native-cert.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { DirectorClient, DirectorError, issuedCa, type IssuedCertificate, type TrustMode } from '../director-client.ts';
import { readCaIfPresent, storeCertificate, type AgentIdentity } from '../identity/identity.ts';

export interface RegistratorOptions {
  identity: AgentIdentity;
  client: DirectorClient;
  hostname?: string;
  /** Pre-deployed CA (PEM) read from config's ca_file (strict from the first connection). */
  caPem?: string;
  intervalMs: number;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * Which CA to trust when registering: the pre-deployed ca_file's, else a ca.pem stored by an earlier
 * registration, else none: TOFU for this first contact only.
 */
export function trustFor(identity: AgentIdentity, configuredCaPem?: string): TrustMode {
  const caPem = configuredCaPem ?? readCaIfPresent(identity.paths.ca);
  return caPem ? { kind: 'pinned', caPem } : { kind: 'tofu' };
}

/**
 * The CSR this agent registers with. Ed25519 signatures are deterministic, so it (and its fingerprint,
 * which the admin sees before approving) stays the same across attempts.
 */
export async function registrationCsr(identity: AgentIdentity): Promise<{ der: Uint8Array; fingerprint: string }> {
  const der = await createCsr(identity.keys, agentCn(identity.guid));
  return { der, fingerprint: sha256Fingerprint(der) };
}

/** One registration attempt; stores the certificate and CA on success. */
export async function registerOnce(o: RegistratorOptions): Promise<IssuedCertificate> {
  const csr = (await registrationCsr(o.identity)).der;
  const trust = trustFor(o.identity, o.caPem);
  const issued = await o.client.register(
    { guid: o.identity.guid, hostname: o.hostname || osHostname(), csr: Buffer.from(csr).toString('base64') },
    trust,
  );
  // Our director names the CA `caCertificate`, the Go dcvix director `ca`; without one there is nothing to trust.
  const caPem = issuedCa(issued);
  if (!caPem || typeof issued.certificate !== 'string' || !issued.certificate) throw new Error('director answered without a certificate and CA');
  // With a pinned CA the director must answer with that same CA; TOFU stores what it got.
  if (trust.kind === 'pinned' && normalise(caPem) !== normalise(trust.caPem)) {
    throw new Error('director answered with a CA other than the pinned one');
  }
  storeCertificate(o.identity, issued.certificate, caPem);
  return issued;
}

/** Registers every intervalMs until approved (the specification: 30 s). Resolves with the issued certificate. */
export async function registerUntilApproved(o: RegistratorOptions): Promise<IssuedCertificate> {
  const sleep = o.sleep ?? ((ms: number) => Bun.sleep(ms));
  for (;;) {
    let delay = o.intervalMs;
    try {
      const issued = await registerOnce(o);
      o.log.info('registered with the director', { guid: o.identity.guid, notAfter: issued.notAfter });
      return issued;
    } catch (err) {
      if (err instanceof DirectorError && err.code === 'AGENT_PENDING') {
        // The fingerprint lets an admin check out of band that the request they approve is this host's.
        o.log.info('registration pending approval', { guid: o.identity.guid, csrFingerprint: (await registrationCsr(o.identity)).fingerprint });
      } else {
        delay = nextDelay(o.intervalMs, err);
        o.log.warn('registration failed; retrying', { guid: o.identity.guid, error: err instanceof DirectorError ? `${err.code}: ${err.message}` : (err as Error).message, retryInMs: delay });
      }
    }
    if (o.signal?.aborted) throw new Error('registration aborted');
    await sleep(delay);
  }
}

/** Longest wait between registration attempts, whatever the director asks for. */
export const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * After a 429 the director's Retry-After (or the interval when it sent none) plus up to 50% random
 * jitter, capped at 5 min, so agents refused together do not all come back in the same second.
 */
export function nextDelay(intervalMs: number, err: unknown, random = Math.random): number {
  if (!(err instanceof DirectorError) || err.status !== 429) return intervalMs;
  const base = Math.max(intervalMs, (err.retryAfter ?? 0) * 1000);
  return Math.min(MAX_BACKOFF_MS, Math.round(base * (1 + 0.5 * random())));
}

const normalise = (pem: string) => pem.replace(/\s+/g, '');
