/**
 * A stand-in for the public Go dcvix director (github.com/dcvix/dcvix-director at 17671ed) on the agent
 * wire, strict where the Go program is: every body is decoded as Go's encoding/json decodes it into the
 * Go director's structs (tests/helpers/go-json.ts: wrong types fail, maps of strings, RFC 3339 times),
 * register/renew answer in its shapes and statuses (tests/fixtures/go-dcvix/wire.ts), create must be a
 * 201, and an agent is dialled at its reported host name on one configured agent_port. Certificates are
 * signed with openssl as the Go signer does: the CSR's subject, the registration host name as a DNS name,
 * 14 days, serverAuth + clientAuth. The director's own certificate and CA come from the CA code (CN
 * dcvix-director, 127.0.0.1 among its names, as the Go director's).
 *
 * The user-facing half (login, server list, connection tokens, verifier) never touches an agent; it is
 * modelled here by plain methods so a test can walk the whole user flow over the agent wire.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkServerIdentity } from 'node:tls';
import { openAuthority, type CertificateAuthority } from '../../director/ca/authority.ts';
import { systemClock } from '../../shared/clock.ts';
import * as wire from '../fixtures/go-dcvix/wire.ts';
import { goCall, goEmpty, goJson, goText, startGoServer, type GoAnswer, type GoRequest, type GoServer } from './go-https.ts';
import { goDecode, GoDecodeError, type GoType } from './go-json.ts';
import { run } from './run.ts';
import { tempDir } from './temp.ts';

const SESSION: GoType = { struct: wire.GO_TYPES.session };
/** GD internal/models/agent.go:8-23. */
const UPDATE: GoType = { struct: { sessions: { slice: SESSION }, stats: { struct: wire.GO_TYPES.stats }, tags: { slice: 'string' } } };

type AgentRow = { hostname: string; state: 'pending' | 'registered' | 'revoked' };
export type GoSessionRow = Record<keyof typeof wire.GO_TYPES.session, unknown>;
export interface GoServerRow {
  hostname: string;
  agentIp: string;
  lastSeen: number;
  tags: string[];
  sessions: GoSessionRow[];
}

export class GoStyleDirector {
  readonly dir = tempDir('go-director-');
  readonly agents = new Map<string, AgentRow>();
  readonly servers = new Map<string, GoServerRow>();
  /** Every request the director refused while decoding, with Go's error text. */
  readonly decodeErrors: string[] = [];
  readonly updateTimes: number[] = [];
  private readonly tokens = new Map<string, { user: string; sessionId: string }>();
  private server: GoServer | undefined;
  private ca!: CertificateAuthority;

  constructor(private readonly o: { agentPort: number }) {}

  get url(): string {
    return `https://127.0.0.1:${this.server!.port}`;
  }

  get caPem(): string {
    return this.ca.caCertPem;
  }

  async start(): Promise<void> {
    this.ca = await openAuthority({ dataDir: this.dir, hostnames: [], clock: systemClock });
    this.server = await startGoServer({
      host: '127.0.0.1',
      port: 0,
      tls: { cert: this.ca.serverCertPem, key: this.ca.serverKeyPem, ca: this.ca.caCertPem },
      requireClientCert: false,
      handle: (r) => this.handle(r),
    });
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  approve(guid: string): void {
    this.agents.get(guid)!.state = 'registered';
  }

  /** The director lost its agents database: it no longer knows this GUID. */
  forget(guid: string): void {
    this.agents.delete(guid);
  }

  private decode<T>(text: string, type: GoType): T | GoAnswer {
    try {
      return goDecode(text, type) as T;
    } catch (err) {
      if (!(err instanceof GoDecodeError)) throw err;
      this.decodeErrors.push(err.message);
      return goText(400, err.message);
    }
  }

  private async handle(r: GoRequest): Promise<GoAnswer> {
    if (r.method === 'POST' && r.path === '/v1/agent/register') return this.register(r);
    if (r.method === 'POST' && r.path === '/v1/agent/renew') return this.renew(r);
    if (r.method === 'POST' && r.path === '/v1/agent/update') return this.update(r);
    return goText(404, '404 page not found');
  }

  /** GD register.go:39-122. */
  private async register(r: GoRequest): Promise<GoAnswer> {
    const req = this.decode<{ csr: string; guid: string; hostname: string }>(r.body, { struct: { csr: 'string', guid: 'string', hostname: 'string' } });
    if ('status' in req) return req;
    const cn = await this.csrCn(req.csr);
    if (cn === undefined) return goText(400, 'invalid csr');
    if (cn !== `dcvix-agent-${req.guid}`) return goText(401, 'csr guid mismatch');
    const row = this.agents.get(req.guid);
    if (!row) {
      this.agents.set(req.guid, { hostname: req.hostname, state: 'pending' });
      return goJson(403, { error: 'pending approval' });
    }
    if (row.state === 'pending') return goJson(403, { error: 'pending approval' });
    if (row.state === 'revoked') return goText(401, 'agent revoked');
    row.hostname = req.hostname;
    return goJson(200, wire.registerAnswer(await this.sign(req.csr, req.hostname), this.ca.caCertPem, req.guid));
  }

  /** GD renew.go:30-106 (behind requireClientCert, server/middleware.go:82-111). */
  private async renew(r: GoRequest): Promise<GoAnswer> {
    const guid = this.clientGuid(r);
    if (!guid) return goText(401, 'Invalid client certificate');
    const req = this.decode<{ csr: string }>(r.body, { struct: { csr: 'string' } });
    if ('status' in req) return req;
    if ((await this.csrCn(req.csr)) !== `dcvix-agent-${guid}`) return goText(401, 'csr guid mismatch');
    const row = this.agents.get(guid);
    if (!row) return goText(401, 'unknown agent');
    if (row.state === 'revoked') return goText(401, 'agent revoked');
    return goJson(200, wire.renewAnswer(await this.sign(req.csr, row.hostname)));
  }

  /** GD update.go:17-69: the server is named by stats.hostname; the session rows are replaced. */
  private update(response: GoRequest): GoAnswer {
    if (!this.clientGuid(response)) return goText(401, 'Invalid client certificate');
    const update = this.decode<{ sessions: GoSessionRow[] | null; stats: { hostname: string }; tags: string[] | null }>(response.body, UPDATE);
    if ('status' in update) return update;
    this.updateTimes.push(Date.now());
    this.servers.set(update.stats.hostname, { hostname: update.stats.hostname, agentIp: response.remoteAddress, lastSeen: Date.now(), tags: update.tags ?? [], sessions: update.sessions ?? [] });
    return goEmpty(200);
  }

  private clientGuid(response: GoRequest): string | undefined {
    if (!response.peer.authorized || !response.peer.cn?.startsWith('dcvix-agent-')) return undefined;
    return response.peer.cn.slice('dcvix-agent-'.length);
  }

  /** x509.ParseCertificateRequest, subject CN only (the Go director does not check the signature). */
  private async csrCn(csrBase64: string): Promise<string | undefined> {
    const file = join(this.dir, `csr-${randomBytes(6).toString('hex')}.der`);
    writeFileSync(file, Buffer.from(csrBase64, 'base64'));
    try {
      const out = (await run(['openssl', 'req', '-inform', 'DER', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253'])).stdout;
      return /CN=([^,\n]+)/.exec(out)?.[1]?.trim();
    } catch {
      return undefined;
    }
  }

  /** GD signer.go:196-231: the CSR's subject, the registration host name as SAN, 14 days. */
  private async sign(csrBase64: string, hostname: string): Promise<string> {
    const base = join(this.dir, `sign-${randomBytes(6).toString('hex')}`);
    writeFileSync(`${base}.der`, Buffer.from(csrBase64, 'base64'));
    writeFileSync(`${base}.ext`, `subjectAltName=DNS:${hostname}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature\n`);
    await run(['openssl', 'req', '-inform', 'DER', '-in', `${base}.der`, '-out', `${base}.csr`]);
    await run([
      'openssl',
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      join(this.dir, 'ca.pem'),
      '-CAkey',
      join(this.dir, 'ca.key'),
      '-CAcreateserial',
      '-days',
      '14',
      '-extfile',
      `${base}.ext`,
      '-out',
      `${base}.pem`,
    ]);
    return readFileSync(`${base}.pem`, 'utf8');
  }

  // ------------------------------------------------ director -> agent, as GD's handlers call it

  /**
   * GD client.go:20-68: the director's certificate as client certificate, the agent verified against
   * the CA and by the host name dialled. Host names resolve to 127.0.0.1 here (a hosts-file entry).
   */
  private async toAgent(serverId: string, method: string, path: string, json?: unknown) {
    return goCall(`https://127.0.0.1:${this.o.agentPort}${path}`, {
      method,
      json,
      tls: {
        ca: this.ca.caCertPem,
        cert: this.ca.serverCertPem,
        key: this.ca.serverKeyPem,
        rejectUnauthorized: true,
        checkServerIdentity: (_: string, cert: never) => checkServerIdentity(serverId, cert),
      },
    });
  }

  /** GET /v1/sessions on an agent, decoded as []models.Session (GD user/sessions.go:61-77). */
  async agentSessions(serverId: string): Promise<GoSessionRow[]> {
    const response = await this.toAgent(serverId, 'GET', '/v1/sessions');
    if (response.status !== 200) throw new Error(`list answered ${response.status}`);
    return (goDecode(response.text, { slice: SESSION }) as GoSessionRow[] | null) ?? [];
  }

  /** POST /v1/user/sessions (GD user/sessions.go:20-139): reuse by owner+type, else create; 201 required. */
  async createForUser(user: string, serverId: string, sessionType: string): Promise<string> {
    const existing = (await this.agentSessions(serverId)).find((s) => s.owner === user && String(s.type).toLowerCase() === sessionType.toLowerCase());
    if (existing) return existing.id as string;
    const response = await this.toAgent(serverId, 'POST', '/v1/sessions', wire.createRequest(serverId, user, `dcvix_${crypto.randomUUID()}`, sessionType));
    if (response.status !== 201) throw new Error(`Request failed with status: ${response.status}`);
    const answer = goDecode(response.text, 'map[string]string') as Record<string, string>;
    return answer.sessionID!;
  }

  /** DELETE /v1/sessions/{id} (GD sessions/sessions.go:87-136): success only on 200. */
  async close(serverId: string, sessionId: string): Promise<{ status: string; code: number; body: string }> {
    const response = await this.toAgent(serverId, 'DELETE', `/v1/sessions/${sessionId}`);
    return { status: response.status === 200 ? 'success' : 'error', code: response.status, body: response.text };
  }

  /** GET /v1/user/connectiontoken: a token bound to user and session (never sent to the agent). */
  connectionToken(user: string, sessionId: string): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { user, sessionId });
    return token;
  }

  /** POST /v1/user/authtokenverify as DCV calls it: the user when the token opens that session. */
  verify(sessionId: string, token: string): string | undefined {
    const bound = this.tokens.get(token);
    return bound && bound.sessionId === sessionId ? bound.user : undefined;
  }
}
