import { hostname as osHostname } from 'node:os';
import type { Logger } from '../../shared/log.ts';
import { createCsr } from '../identity/ed25519-csr.ts';
import { sha256Fingerprint } from '../../shared/pki/native-cert.ts';
import { agentCn } from '../../shared/pki/names.ts';
import type { AnyIssuedCertificate } from '../../shared/api/agent-enrolment.ts';
import { parseJoinToken } from '../../shared/api/join-token.ts';
import { type DirectorClient, DirectorError, issuedCa, type TrustMode } from '../director-client.ts';
import { readCaIfPresent, storeCertificate, type AgentIdentity } from '../identity/identity.ts';

export interface RegistratorOptions {
  identity: AgentIdentity;
  client: DirectorClient;
  hostname?: string;
  /** Pre-deployed CA (PEM) read from config's ca_file (strict from the first connection). */
  caPem?: string;
  intervalMs: number;
  /**
   * The join token registrations carry (config join_token or join_token_file) until the director
   * refuses it; then it is dropped (set to undefined) for good and the agent waits for approval.
   */
  joinToken?: { token?: string };
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
export async function registerOnce(options: RegistratorOptions): Promise<AnyIssuedCertificate> {
  const csr = (await registrationCsr(options.identity)).der;
  const trust = trustFor(options.identity, options.caPem);
  const token = options.joinToken?.token;
  const body = { guid: options.identity.guid, hostname: options.hostname || osHostname(), csr: Buffer.from(csr).toString('base64'), ...(token ? { joinToken: token } : {}) };
  const issued = await options.client.register(body, trust);
  // Our director names the CA `caCertificate`, the Go dcvix director `ca`; without one there is nothing to trust.
  const caPem = issuedCa(issued);
  if (!caPem) throw new Error('director answered a certificate without a CA');
  // With a pinned CA the director must answer with that same CA; TOFU stores what it got.
  if (trust.kind === 'pinned' && normalise(caPem) !== normalise(trust.caPem)) {
    throw new Error('director answered with a CA other than the pinned one');
  }
  storeCertificate(options.identity, issued.certificate, caPem);
  return issued;
}

/**
 * Registers every intervalMs until approved (the specification: 30 s). Resolves with the issued
 * certificate. While the director holds this agent's key as a key change for its GUID (409
 * AGENT_KEY_MISMATCH: an admin approved another key for it) it waits for that approval too, backing off.
 */
export async function registerUntilApproved(options: RegistratorOptions): Promise<AnyIssuedCertificate> {
  const sleep = options.sleep ?? ((ms: number) => Bun.sleep(ms));
  let keyChangeWaits = 0;
  for (;;) {
    let delay = options.intervalMs;
    try {
      const issued = await registerOnce(options);
      options.log.info('registered with the director', { guid: options.identity.guid, notAfter: issued.notAfter });
      return issued;
    } catch (err) {
      if (err instanceof DirectorError && err.code === 'AGENT_PENDING') {
        // The fingerprint lets an admin check out of band that the request they approve is this host's.
        options.log.info('registration pending approval', { guid: options.identity.guid, csrFingerprint: (await registrationCsr(options.identity)).fingerprint });
      } else if (err instanceof DirectorError && err.code.startsWith('JOIN_TOKEN_') && options.joinToken?.token) {
        // Expired, used up, revoked, not this host's: the token is dropped and the agent asks for
        // approval at once. The log names the token by its id, never its secret.
        options.log.warn('join token refused; registering without it, to wait for approval', {
          guid: options.identity.guid,
          joinToken: parseJoinToken(options.joinToken.token)?.id,
          code: err.code,
          error: err.message,
        });
        options.joinToken.token = undefined;
        delay = 0;
      } else if (err instanceof DirectorError && err.code === 'AGENT_KEY_MISMATCH') {
        delay = keyChangeDelay(options.intervalMs, ++keyChangeWaits);
        options.log.info('registration waiting for approval of a key change', {
          guid: options.identity.guid,
          csrFingerprint: (await registrationCsr(options.identity)).fingerprint,
          retryInMs: delay,
        });
      } else {
        delay = nextDelay(options.intervalMs, err);
        options.log.warn('registration failed; retrying', {
          guid: options.identity.guid,
          error: err instanceof DirectorError ? `${err.code}: ${err.message}` : (err as Error).message,
          retryInMs: delay,
        });
      }
    }
    if (options.signal?.aborted) throw new Error('registration aborted');
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

/**
 * Between registrations while a key change waits for the admin: the interval, doubling with each
 * refusal up to MAX_BACKOFF_MS (or the interval, if that is longer). Every attempt parks this key
 * again (one the admin denied comes back), so a host nobody is going to approve should knock rarely.
 */
export function keyChangeDelay(intervalMs: number, waits: number): number {
  return Math.min(Math.max(MAX_BACKOFF_MS, intervalMs), intervalMs * 2 ** Math.min(Math.max(waits - 1, 0), 20));
}

const normalise = (pem: string) => pem.replace(/\s+/g, '');
