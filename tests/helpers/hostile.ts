import { expect } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { buildCertificate, KeyUsage, publicKeyInfoOf } from '../../director/ca/certificate-builder.ts';
import { createCsr } from '../../agent/identity/ed25519-csr.ts';
import { installPkiEngine } from '../../director/ca/engine.ts';
import { generateEd25519, generateP256, keyPairFromPem, privateKeyToPem } from '../../shared/pki/keys.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { toPem } from '../../shared/pki/pem.ts';
import type { DirectorHandle } from './dcvix.ts';
import { call, type Call } from './https.ts';

export { ForeignCpu } from '../../scripts/lib/cpu.ts';
export { freePort } from '../../scripts/lib/free-port.ts';
export { pool } from '../../scripts/lib/pool.ts';

/**
 * Helpers for tests/hostile: a seeded random generator, the error-envelope invariant, raw TLS
 * requests (for bodies a fetch client will not send), certificates signed by a director's CA or by a
 * stranger, in-process simulated agents enrolled for real, and before/after snapshots of the rows.
 */

/** mulberry32: a tiny seeded PRNG, so a failing fuzz case can be replayed from its seed and index. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SCREAMING_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/** The error invariant: a 4xx whose JSON body is {error:{code,message,requestId}} with a stable code. */
export function expectClientError(r: Call, what: string, opts: { requestId?: boolean } = {}): void {
  const summary = `${what} -> ${r.status} ${r.text.slice(0, 300)}`;
  expect(r.status >= 400 && r.status < 500, summary).toBe(true);
  expect(r.json?.error, summary).toBeObject();
  expect(String(r.json.error.code), summary).toMatch(SCREAMING_SNAKE);
  expect(typeof r.json.error.message, summary).toBe('string');
  if (opts.requestId !== false) expect(typeof r.json.error.requestId === 'string' && r.json.error.requestId.length > 0, `${summary} (requestId)`).toBe(true);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte written to the full response. */
  ms: number;
}

/**
 * Writes `head` (and then each of `chunks`, `gapMs` apart) on a fresh HTTP/1.1 TLS connection and
 * resolves with the first complete response, whether or not all chunks were sent by then.
 */
export function rawRequest(port: number, head: string, o: { ca: string; chunks?: (string | Uint8Array)[]; gapMs?: number; timeoutMs?: number; cert?: string; key?: string; anyServerName?: boolean } = { ca: '' }): Promise<RawResponse & { chunksSent: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let buf = Buffer.alloc(0);
    let sent = 0;
    let done = false;
    const socket = connect({ host: '127.0.0.1', port, ca: o.ca, cert: o.cert, key: o.key, servername: 'localhost', ALPNProtocols: ['http/1.1'], ...(o.anyServerName ? { checkServerIdentity: () => undefined } : {}) }, async () => {
      socket.write(head);
      for (const c of o.chunks ?? []) {
        if (done) break;
        await Bun.sleep(o.gapMs ?? 0);
        if (done || socket.destroyed) break;
        socket.write(c);
        sent++;
      }
    });
    const timer = setTimeout(() => finish(new Error(`no complete response within ${o.timeoutMs ?? 5000} ms (got ${buf.length} bytes)`)), o.timeoutMs ?? 5000);
    const finish = (err?: Error, res?: RawResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve({ ...res!, chunksSent: sent });
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(lines[0]!.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      const rest = buf.subarray(end + 4);
      const body = headers['transfer-encoding'] === 'chunked' ? dechunk(rest) : Number(headers['content-length'] ?? NaN) <= rest.length ? rest.subarray(0, Number(headers['content-length'])) : undefined;
      if (body) finish(undefined, { status, headers, body: body.toString('utf8'), ms: performance.now() - started });
    });
    socket.on('error', (e) => finish(e));
    socket.on('close', () => finish(new Error(`connection closed before a full response (${buf.length} bytes)`)));
  });
}

/** A complete chunked body, or undefined while the last chunk has not arrived. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** A certificate signer: the director's own CA (read from its data dir) or a stranger's. */
export interface Signer {
  caPem: string;
  cn: string;
  sign(o: { cn: string; publicKey: CryptoKey; notBefore?: Date; notAfter?: Date; eku?: ('serverAuth' | 'clientAuth')[] }): Promise<string>;
}

async function signerFrom(caKeys: CryptoKeyPair, caPem: string, cn: string): Promise<Signer> {
  // The Ed25519-aware engine must be in place before pkijs touches an agent key.
  installPkiEngine();
  const issuer = { cn, privateKey: caKeys.privateKey, publicKeyInfo: await publicKeyInfoOf(caKeys.publicKey) };
  return {
    caPem,
    cn,
    async sign(o) {
      const now = Date.now();
      const der = await buildCertificate(
        {
          subjectCn: o.cn,
          subjectPublicKey: await publicKeyInfoOf(o.publicKey),
          issuer,
          notBefore: o.notBefore ?? new Date(now - 60_000),
          notAfter: o.notAfter ?? new Date(now + 86_400_000),
          isCa: false,
          keyUsage: [KeyUsage.digitalSignature],
          extendedKeyUsage: o.eku ?? ['serverAuth', 'clientAuth'],
          dnsNames: [o.cn],
        },
        caKeys.privateKey,
      );
      return toPem(der, 'CERTIFICATE');
    },
  };
}

/** Signs with the CA key a director keeps in its data dir (ca.key / ca.pem). */
export async function directorCaSigner(dataDir: string): Promise<Signer> {
  const keys = await keyPairFromPem(readFileSync(join(dataDir, 'ca.key'), 'utf8'), 'P-256');
  return signerFrom(keys, readFileSync(join(dataDir, 'ca.pem'), 'utf8'), 'dcvix CA');
}

/** A brand-new CA that nobody trusts, with the same CN as the real one (names prove nothing). */
export async function strangerCa(cn = 'dcvix CA'): Promise<Signer> {
  installPkiEngine();
  const keys = await generateP256();
  const now = Date.now();
  const der = await buildCertificate(
    { subjectCn: cn, subjectPublicKey: await publicKeyInfoOf(keys.publicKey), issuer: 'self', notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000), isCa: true, keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyCertSign, KeyUsage.cRLSign] },
    keys.privateKey,
  );
  return signerFrom(keys, toPem(der, 'CERTIFICATE'), cn);
}

/** A key pair with its PKCS#8 PEM: Ed25519 like an agent's, or P-256 like the director's. */
export async function newKey(kind: 'Ed25519' | 'P-256' = 'Ed25519'): Promise<{ keys: CryptoKeyPair; pem: string }> {
  const keys = kind === 'Ed25519' ? await generateEd25519() : await generateP256();
  return { keys, pem: await privateKeyToPem(keys.privateKey) };
}

/**
 * An agent simulated in-process: its own Ed25519 key and GUID, enrolled through the real HTTP API
 * (register -> pending -> admin approves -> register again -> certificate), then mTLS updates.
 */
export class SimAgent {
  certPem = '';
  caPem = '';

  private constructor(
    readonly guid: string,
    readonly hostname: string,
    readonly keys: CryptoKeyPair,
    readonly keyPem: string,
  ) {}

  static async create(hostname: string, guid: string = crypto.randomUUID()): Promise<SimAgent> {
    const { keys, pem } = await newKey('Ed25519');
    return new SimAgent(guid, hostname, keys, pem);
  }

  /** Base64 DER CSR; `cn` defaults to this agent's. */
  async csr(cn = agentCn(this.guid), keys = this.keys): Promise<string> {
    return Buffer.from(await createCsr(keys, cn)).toString('base64');
  }

  async register(d: { url: string; caPem: string }): Promise<Call> {
    const r = await call(`${d.url}/v1/agent/register`, { method: 'POST', ca: d.caPem, json: { guid: this.guid, hostname: this.hostname, csr: await this.csr() } });
    if (r.status === 200) {
      this.certPem = r.json.certificate;
      this.caPem = r.json.caCertificate;
    }
    return r;
  }

  get creds(): { cert: string; key: string; ca: string } {
    return { cert: this.certPem, key: this.keyPem, ca: this.caPem };
  }

  /** POST /v1/agent/update with this agent's certificate. */
  update(url: string, body: unknown = this.updateBody([])): Promise<Call> {
    return call(`${url}/v1/agent/update`, { method: 'POST', ...this.creds, json: body });
  }

  updateBody(sessions: { id: string; owner: string; type?: 'virtual' | 'console' }[]) {
    return {
      sessions: sessions.map((s) => ({ id: s.id, owner: s.owner, type: s.type ?? 'virtual', numOfConnections: 0, status: 'RUNNING' })),
      stats: { hostname: this.hostname, free_memory: 8e9, total_memory: 16e9, cores: 8, cpu_usage: 3.5, load1: 0.2, load5: 0.2, load15: 0.1 },
      tags: ['sim'],
      agentPort: 9,
      version: 'sim',
    };
  }

  /** Register (pending), approve as admin, register again for the certificate. */
  async enrol(d: { url: string; caPem: string }, adminCookie: string): Promise<void> {
    const first = await this.register(d);
    if (first.status !== 403 || first.json?.error?.code !== 'AGENT_PENDING') throw new Error(`register ${this.hostname}: ${first.status} ${first.text}`);
    const ok = await call(`${d.url}/v1/admin/agents/${this.guid}/approve`, { method: 'POST', ca: d.caPem, cookie: adminCookie });
    if (ok.status !== 200) throw new Error(`approve ${this.hostname}: ${ok.status} ${ok.text}`);
    const second = await this.register(d);
    if (second.status !== 200) throw new Error(`certificate ${this.hostname}: ${second.status} ${second.text}`);
  }
}

/** The rows hostile input must never change: agents (minus lastSeen, which updates touch) and sessions. */
export async function rowSnapshot(d: DirectorHandle, adminCookie: string): Promise<{ agents: unknown[]; sessions: unknown[] }> {
  const agents = await call(`${d.url}/v1/admin/agents`, { ca: d.caPem, cookie: adminCookie });
  const sessions = await call(`${d.url}/v1/sessions`, { ca: d.caPem, cookie: adminCookie });
  if (agents.status !== 200 || sessions.status !== 200) throw new Error(`snapshot failed: ${agents.status} ${sessions.status}`);
  return {
    agents: (agents.json.agents as Record<string, unknown>[]).map(({ lastSeen: _seen, ...rest }) => rest),
    sessions: (sessions.json.sessions as Record<string, unknown>[]).map((s) => ({ id: s.id, owner: s.owner, serverId: s.serverId, type: s.type })).sort((a, b) => String(a.id).localeCompare(String(b.id))),
  };
}

/** GET /v1/health answers 200 {status:"ok"}: the director is still serving. */
export async function expectHealthy(d: { url: string; caPem: string }, what: string): Promise<void> {
  const r = await call(`${d.url}/v1/health`, { ca: d.caPem });
  expect(`${what}: ${r.status} ${r.text}`).toBe(`${what}: 200 {"status":"ok"}`);
}

/** Log lines at level error (a 5xx, a failed request bridge) since `since`. */
export function errorLines(lines: readonly string[], since = 0): string[] {
  return lines.slice(since).filter((l) => l.includes('"level":"error"'));
}

/** Percentile (0..100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
