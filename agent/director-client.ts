import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { AgentUpdate } from '../shared/api/agent-wire.ts';
import { DIRECTOR_CN } from '../shared/pki/names.ts';

/** What the director answers to register and renew. */
export interface IssuedCertificate {
  certificate: string;
  caCertificate: string;
  agentId?: string;
  notAfter?: string;
}

/** A director answer that is not 2xx, with its stable code. */
export class DirectorError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, /** Seconds from a Retry-After header. */ readonly retryAfter?: number) {
    super(message);
    this.name = 'DirectorError';
  }
}

/**
 * The usual host-name check, plus: the peer must be the director (CN dcvix-director), so a certificate
 * the same CA gave another agent can never stand in for the director.
 */
function directorIdentity(host: string, cert: PeerCertificate): Error | undefined {
  return checkServerIdentity(host, cert) ?? (cert.subject?.CN === DIRECTOR_CN ? undefined : new Error(`peer is not ${DIRECTOR_CN}`));
}

export type TrustMode = { kind: 'tofu' } | { kind: 'pinned'; caPem: string };

export interface ClientCredentials {
  certPem: string;
  keyPem: string;
  caPem: string;
}

/**
 * Agent -> director calls. Registration uses TOFU (no verification) only while no CA is known;
 * everything else verifies the director against the CA and presents the agent certificate (mTLS).
 */
export class DirectorClient {
  constructor(private readonly baseUrl: string, private readonly timeoutMs = 15_000) {}

  register(body: { guid: string; hostname: string; csr: string }, trust: TrustMode): Promise<IssuedCertificate> {
    const tls = trust.kind === 'tofu' ? { rejectUnauthorized: false } : { ca: trust.caPem, rejectUnauthorized: true, checkServerIdentity: directorIdentity };
    return this.post('/v1/agent/register', body, tls);
  }

  renew(csr: string, creds: ClientCredentials): Promise<IssuedCertificate> {
    return this.post('/v1/agent/renew', { csr }, this.mtls(creds));
  }

  update(body: AgentUpdate, creds: ClientCredentials): Promise<unknown> {
    return this.post('/v1/agent/update', body, this.mtls(creds));
  }

  private mtls(c: ClientCredentials) {
    return { ca: c.caPem, cert: c.certPem, key: c.keyPem, rejectUnauthorized: true, checkServerIdentity: directorIdentity };
  }

  private async post<T>(path: string, body: unknown, tls: Record<string, unknown>): Promise<T> {
    const res = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      tls,
      signal: AbortSignal.timeout(this.timeoutMs),
    } as RequestInit);
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = {};
    }
    if (!res.ok) {
      const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
      throw new DirectorError(res.status, json?.error?.code ?? `HTTP_${res.status}`, json?.error?.message ?? res.statusText, Number.isFinite(retryAfter) ? retryAfter : undefined);
    }
    return json as T;
  }
}
