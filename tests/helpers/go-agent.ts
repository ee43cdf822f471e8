/**
 * A stand-in for the public Go dcvix agent (github.com/dcvix/dcvix-agent at 2519c47), strict where the Go
 * program is: it registers every interval until a 200 (any 403 = pending), decodes answers into Go
 * structs (tests/helpers/go-json.ts), writes `ca` to ca.pem and stops on an empty one, serves mTLS with
 * the certificate the director issued (client certificate required and verified), accepts director calls
 * only from the address its director_host resolves to, and answers exactly as the Go handlers do (see
 * tests/fixtures/go-dcvix/wire.ts for each shape and its source line). Its "dcv" is an in-memory list.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as wire from '../fixtures/go-dcvix/wire.ts';
import { goCall, goEmpty, goJson, goText, startGoServer, type GoAnswer, type GoRequest, type GoServer } from './go-https.ts';
import { goDecode, GoDecodeError } from './go-json.ts';
import { run } from './run.ts';
import { tempDir } from './temp.ts';

export interface GoAgentOptions {
  /** https://host:port of the director. */
  directorUrl: string;
  /** What director_host resolves to: the only address allowed to call this agent. */
  directorAddress: string;
  /** The port this agent listens on (the Go director calls every agent on its own agent_port). */
  listenPort: number;
  hostname: string;
  tags?: string[];
  registerIntervalMs?: number;
  updateIntervalMs?: number;
}

type GoSession = ReturnType<typeof wire.goSession>;

export class GoStyleAgent {
  readonly guid = crypto.randomUUID();
  readonly dir = tempDir('go-agent-');
  /** What the agent logged, in order (the tests wait on these). */
  readonly events: string[] = [];
  /** The agent's dcv: sessions on this host. */
  readonly sessions: GoSession[] = [];
  /** Make the next dcv create fail with this output. */
  failNextCreate: string | undefined;
  /** While true the update loop sends nothing (a test changes the host between two updates). */
  pauseUpdates = false;
  /** The last raw 200 answer to register and to renew, for tests that check the exact keys. */
  readonly rawAnswers: { register?: string; renew?: string } = {};
  /** Every update status the director answered. */
  readonly updateStatuses: number[] = [];
  private server: GoServer | undefined;
  private stopped = false;
  private keyPem = '';
  private certPem = '';
  private caPem = '';

  constructor(private readonly o: GoAgentOptions) {}

  /** Key and CSR with openssl (an implementation independent of ours): Ed25519, subject CN only. */
  async csrBase64(): Promise<string> {
    const key = join(this.dir, 'agent.key');
    const csr = join(this.dir, 'agent.csr');
    mkdirSync(this.dir, { recursive: true });
    if (!this.keyPem) {
      await run(['openssl', 'genpkey', '-algorithm', 'ed25519', '-out', key]);
      this.keyPem = readFileSync(key, 'utf8');
    }
    await run(['openssl', 'req', '-new', '-key', key, '-subj', `/CN=dcvix-agent-${this.guid}`, '-outform', 'DER', '-out', csr]);
    return readFileSync(csr).toString('base64');
  }

  /** Registers until approved (GA registrator.go:72-137), then serves and updates. */
  async start(): Promise<void> {
    const csr = await this.csrBase64();
    for (;;) {
      if (this.stopped) return;
      const response = await goCall(`${this.o.directorUrl}/v1/agent/register`, { json: wire.registerRequest(csr, this.guid, this.o.hostname), tls: { rejectUnauthorized: false } }).catch(
        (e: Error) => ({
          status: 0,
          text: e.message,
        }),
      );
      if (response.status === 200) {
        this.rawAnswers.register = response.text;
        const answer = goDecode(response.text, { struct: { certificate: 'string', ca: 'string', agentId: 'string', renewalIntervalSeconds: 'int' } }) as { certificate: string; ca: string };
        // GA main.go:85-88 via client.go:26-29: no CA, no mTLS client: the agent exits.
        if (!answer.ca) {
          this.events.push('fatal: CA certificate not available');
          throw new Error('Go agent would exit: empty ca in the register answer');
        }
        this.certPem = answer.certificate;
        this.caPem = answer.ca;
        writeFileSync(join(this.dir, 'agent.crt'), this.certPem);
        writeFileSync(join(this.dir, 'ca.pem'), this.caPem);
        this.events.push('registered');
        break;
      }
      if (response.status === 403) {
        let reason = '';
        try {
          reason = (goDecode(response.text, { struct: { error: 'string' } }) as { error: string }).error;
        } catch {
          // GA ignores the decode error (registrator.go:127).
        }
        this.events.push(`pending approval: ${reason}`);
      } else {
        this.events.push(`unexpected status ${response.status}`);
      }
      await Bun.sleep(this.o.registerIntervalMs ?? 200);
    }
    this.server = await startGoServer({
      host: '127.0.0.1',
      port: this.o.listenPort,
      tls: { cert: this.certPem, key: this.keyPem, ca: this.caPem },
      requireClientCert: true,
      handle: (r) => this.handle(r),
    });
    this.events.push('listening');
    void this.updateLoop();
  }

  private get mtls() {
    // GA client.go:45-54: the agent's certificate, the director verified against ca.pem (names included).
    return { ca: this.caPem, cert: this.certPem, key: this.keyPem, rejectUnauthorized: true };
  }

  /** One POST /v1/agent/update (GA updater.go:49-86). */
  async sendUpdate(): Promise<number> {
    const response = await goCall(`${this.o.directorUrl}/v1/agent/update`, { json: wire.goUpdate(this.o.hostname, this.sessions, this.o.tags), tls: this.mtls }).catch(() => ({ status: 0, text: '' }));
    this.updateStatuses.push(response.status);
    return response.status;
  }

  /** POST /v1/agent/renew (GA renewer.go:73-110); the answer decoded as renewResponse. */
  async renew(): Promise<{ status: number; certificate?: string }> {
    const response = await goCall(`${this.o.directorUrl}/v1/agent/renew`, { json: wire.renewRequest(await this.csrBase64()), tls: this.mtls });
    if (response.status !== 200) return { status: response.status };
    this.rawAnswers.renew = response.text;
    const answer = goDecode(response.text, { struct: { certificate: 'string', renewalIntervalSeconds: 'int' } }) as { certificate: string };
    this.certPem = answer.certificate;
    this.server?.setTls({ cert: this.certPem, key: this.keyPem, ca: this.caPem });
    return { status: 200, certificate: answer.certificate };
  }

  private async updateLoop(): Promise<void> {
    while (!this.stopped) {
      if (!this.pauseUpdates) await this.sendUpdate();
      await Bun.sleep(this.o.updateIntervalMs ?? 500);
    }
  }

  /** The Go agent's mux (GA server.go:36-43) behind requireDirectorAddress (middleware.go:15-33). */
  private handle(response: GoRequest): GoAnswer {
    if (response.remoteAddress !== this.o.directorAddress) {
      this.events.push(`access denied from ${response.remoteAddress}`);
      return goText(403, 'Forbidden');
    }
    const close = /^\/v1\/sessions\/([^/]+)$/.exec(response.path);
    if (response.method === 'GET' && response.path === '/v1/sessions') return goJson(200, this.sessions);
    if (response.method === 'POST' && response.path === '/v1/sessions') return this.create(response.body);
    if (response.method === 'DELETE' && close) return this.close(decodeURIComponent(close[1]!));
    if (response.method === 'GET' && response.path === '/v1/health') return goJson(200, { status: 'healthy' });
    return goText(404, '404 page not found');
  }

  /** GA session.go:26-68. */
  private create(body: string): GoAnswer {
    let req: { userId: string; sessionType: string; sessionId: string };
    try {
      req = goDecode(body, { struct: { userId: 'string', sessionType: 'string', sessionId: 'string' } }) as typeof req;
    } catch (err) {
      if (err instanceof GoDecodeError) return goText(400, 'Invalid request body');
      throw err;
    }
    const existing = this.sessions.find((s) => s.owner === req.userId && s.type === req.sessionType);
    if (existing) return goJson(201, { sessionID: existing.id });
    if (this.failNextCreate) {
      const out = this.failNextCreate;
      this.failNextCreate = undefined;
      return goText(500, `failed to create session: ${out}: exit status 1`);
    }
    this.sessions.push(wire.goSession(req.sessionId, req.userId, req.sessionType as 'virtual' | 'console', { created: new Date().toISOString().replace('Z', '123Z') }));
    return goJson(201, { sessionID: req.sessionId });
  }

  /** GA session.go:70-81: dcv close-session; its failure text comes back in a 500. */
  private close(id: string): GoAnswer {
    const index = this.sessions.findIndex((s) => s.id === id);
    if (index < 0) return goText(500, `failed to close session: Could not find session '${id}': exit status 1`);
    this.sessions.splice(index, 1);
    return goEmpty(200);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.server?.close();
  }
}
