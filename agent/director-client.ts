import type { Static, TSchema } from '@sinclair/typebox';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { AnyIssuedCertificate, type RegisterBody, type RenewBody } from '../shared/api/agent-enrolment.ts';
import { AgentUpdateAnswer, type AgentUpdate } from '../shared/api/agent-update.ts';
import { firstMismatch, matches, mismatchText } from '../shared/api/model-check.ts';
import type { Logger } from '../shared/log.ts';
import { DIRECTOR_CN } from '../shared/pki/names.ts';

/** The CA PEM of a register answer, under either name (ours: `caCertificate`, the Go dcvix director: `ca`); undefined when absent or empty. */
export const issuedCa = (i: AnyIssuedCertificate): string | undefined => i.caCertificate || i.ca || undefined;

/**
 * Refusals of a still-valid certificate that only a new registration can end: the director does not
 * know the agent (agents.db lost), no longer counts it as registered (its GUID and key pending again),
 * or took another key for its GUID (an admin approved a key change; registering parks this agent's key
 * for the admin in turn). AGENT_REVOKED is not one: registration is refused too.
 */
export const REGISTER_AGAIN: ReadonlySet<string> = new Set(['AGENT_UNKNOWN', 'AGENT_NOT_REGISTERED', 'AGENT_KEY_MISMATCH']);

/** A director answer that is not 2xx, with its stable code. */
export class DirectorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from a Retry-After header. */ readonly retryAfter?: number,
  ) {
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

/**
 * Updates at least this large (JSON bytes) travel gzipped, once the director has said it takes them:
 * its answers to an update carry `Accept-Encoding: gzip` (RFC 7694). The public Go dcvix director never
 * says so and gets plain JSON.
 */
const GZIP_FROM_BYTES = 4096;

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
  private directorTakesGzip = false;

  private readonly timeoutMs: number;

  constructor(
    private readonly baseUrl: string,
    private readonly opts: { timeoutMs?: number; log?: Logger } = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  /** POST /v1/agent/register; the answer is checked against AnyIssuedCertificate (BAD_RESPONSE naming the field if not). */
  register(body: RegisterBody, trust: TrustMode): Promise<AnyIssuedCertificate> {
    const tls = trust.kind === 'tofu' ? { rejectUnauthorized: false } : { ca: trust.caPem, rejectUnauthorized: true, checkServerIdentity: directorIdentity };
    return this.post('/v1/agent/register', JSON.stringify(body), tls, AnyIssuedCertificate);
  }

  /** POST /v1/agent/renew (mTLS); the answer is checked as register's. */
  renew(csr: string, creds: ClientCredentials): Promise<AnyIssuedCertificate> {
    const body: RenewBody = { csr };
    return this.post('/v1/agent/renew', JSON.stringify(body), this.mtls(creds), AnyIssuedCertificate);
  }

  /** True while updates go gzipped: the director's last answer to one offered gzip. */
  get updatesGzipped(): boolean {
    return this.directorTakesGzip;
  }

  /**
   * POST /v1/agent/update. Resolves with our director's answer (AgentUpdateAnswer), or undefined when
   * the director took the update and said nothing of it (the Go dcvix director's empty 200).
   */
  async update(body: AgentUpdate, creds: ClientCredentials): Promise<Static<typeof AgentUpdateAnswer> | undefined> {
    const json = JSON.stringify(body);
    const gzip = this.directorTakesGzip && Buffer.byteLength(json) >= GZIP_FROM_BYTES;
    let answer: unknown;
    try {
      answer = await this.post('/v1/agent/update', json, this.mtls(creds), undefined, { gzip, onAnswer: (headers) => this.learnGzip(headers) });
    } catch (err) {
      // Refused as gzip (behind one name, a director that does not take it): plain again at once.
      if (!gzip || !(err instanceof DirectorError) || (err.status !== 415 && err.status !== 400)) throw err;
      this.opts.log?.warn('gzipped update refused, sent plain', { status: err.status, code: err.code });
      answer = await this.post('/v1/agent/update', json, this.mtls(creds), undefined, { onAnswer: (headers) => this.learnGzip(headers) });
    }
    return matches(AgentUpdateAnswer, answer) ? answer : undefined;
  }

  /** Every answer to an update says whether the director takes gzip (`Accept-Encoding`, RFC 7694). */
  private learnGzip(headers: Headers): void {
    const takes = /(^|[\s,])gzip([\s,;]|$)/i.test(headers.get('accept-encoding') ?? '');
    if (takes !== this.directorTakesGzip) this.opts.log?.info(takes ? 'director takes gzipped updates' : 'director takes plain updates only');
    this.directorTakesGzip = takes;
  }

  private mtls(credentials: ClientCredentials) {
    return { ca: credentials.caPem, cert: credentials.certPem, key: credentials.keyPem, rejectUnauthorized: true, checkServerIdentity: directorIdentity };
  }

  /**
   * POSTs JSON text (gzipped when asked) and reads a 2xx answer as JSON, checked against `answer` when
   * given; `onAnswer` sees the headers of any answer.
   */
  private async post<T extends TSchema>(
    path: string,
    bodyJson: string,
    tls: Record<string, unknown>,
    answer: T | undefined,
    opts: { gzip?: boolean; onAnswer?: (headers: Headers) => void } = {},
  ): Promise<Static<T>> {
    const res = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}) },
      body: opts.gzip ? Bun.gzipSync(bodyJson) : bodyJson,
      tls,
      signal: AbortSignal.timeout(this.timeoutMs),
    } as RequestInit);
    opts.onAnswer?.(res.headers);
    const text = await res.text();
    if (!res.ok) {
      const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
      throw directorError(path, res.status, text, Number.isFinite(retryAfter) ? retryAfter : undefined);
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new DirectorError(res.status, 'BAD_RESPONSE', `director answered ${path} with something that is not JSON`);
    }
    const mismatch = answer && firstMismatch(answer, json);
    if (mismatch) throw new DirectorError(res.status, 'BAD_RESPONSE', `director answered ${path} with what its model refuses: ${mismatchText(mismatch, 'the answer')}`);
    return json as Static<T>;
  }
}

/**
 * A refusal in any of the forms directors use: our envelope `{"error": {"code", "message"}}`, the Go
 * dcvix director's `{"error": "pending approval"}` (any 403 to register means pending there) or its
 * text bodies ("unknown agent", "agent revoked" with 401). Text forms map onto our codes so the agent
 * reacts the same way under either director.
 */
export function directorError(path: string, status: number, text: string, retryAfter?: number): DirectorError {
  let json: { error?: unknown } | undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // A text body (the Go director's forms): read below by its words.
    json = undefined;
  }
  const err = json?.error;
  if (err && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string') {
    const failure = err as { code: string; message?: unknown };
    return new DirectorError(status, failure.code, typeof failure.message === 'string' ? failure.message : `HTTP ${status}`, retryAfter);
  }
  const message =
    (typeof err === 'string' ? err : text)
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .trim()
      .slice(0, 300) || `HTTP ${status}`;
  const code = status === 403 && path.endsWith('/register') ? 'AGENT_PENDING' : /unknown agent/i.test(message) ? 'AGENT_UNKNOWN' : /revoked/i.test(message) ? 'AGENT_REVOKED' : `HTTP_${status}`;
  return new DirectorError(status, code, message, retryAfter);
}
