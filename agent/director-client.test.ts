/** The agent's update over real TLS: plain JSON until the director offers gzip, gzipped after (large ones). */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { gunzipSync } from 'node:zlib';
import type { AgentUpdate } from '../shared/api/agent-update.ts';
import { registerAnswer as registerAnswerOf } from '../tests/fixtures/go-dcvix/wire.ts';
import { createLogger } from '../shared/log.ts';
import { openAuthority, readServerTls } from '../director/ca/authority.ts';
import { systemClock } from '../shared/clock.ts';
import { cleanupTempDirs, tempDir } from '../tests/helpers/temp.ts';
import { DirectorClient, DirectorError, type ClientCredentials } from './director-client.ts';

interface Received {
  encoding: string | null;
  json: unknown;
}

/** How the stand-in director answers updates: offer gzip or not, or refuse gzipped ones with 415. */
let behaviour: 'offers-gzip' | 'plain-only' | 'refuses-gzip' | 'refuses-agent' = 'plain-only';
/** The body of the stand-in's 200 to an update ('' as the Go dcvix director) and to a registration. */
let updateAnswer = '{"ok":true,"sessions":0,"skipped":0}';
let registerAnswer: unknown = {};
const received: Received[] = [];
let requests = 0;
let server: ReturnType<typeof Bun.serve>;
let credentials: ClientCredentials;

beforeAll(async () => {
  // A director CA and server certificate as the director makes them (CN dcvix-director, 127.0.0.1 among
  // its names, and the agent only talks to a peer named dcvix-director): no openssl, so this runs on Windows too.
  const dir = tempDir('dcvix-client-');
  const ca = await openAuthority({ dataDir: dir, hostnames: [], clock: systemClock });
  const pem = readServerTls(dir)!;
  credentials = { certPem: pem.cert, keyPem: pem.key, caPem: ca.caCertPem };
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    tls: pem,
    async fetch(request) {
      requests++;
      if (new URL(request.url).pathname === '/v1/agent/register') return Response.json(registerAnswer);
      const encoding = request.headers.get('content-encoding');
      if (behaviour === 'refuses-agent') return Response.json({ error: { code: 'AGENT_UNKNOWN', message: 'unknown agent' } }, { status: 401, headers: { 'accept-encoding': 'gzip' } });
      const raw = new Uint8Array(await request.arrayBuffer());
      if (encoding && behaviour === 'refuses-gzip') return Response.json({ error: { code: 'UNSUPPORTED_CONTENT_ENCODING', message: 'no' } }, { status: 415 });
      received.push({ encoding, json: JSON.parse(new TextDecoder().decode(encoding === 'gzip' ? gunzipSync(raw) : raw)) });
      return new Response(updateAnswer, { headers: { 'content-type': 'application/json', ...(behaviour === 'offers-gzip' ? { 'accept-encoding': 'gzip' } : {}) } });
    },
  });
});
afterAll(() => {
  server?.stop(true);
  cleanupTempDirs();
});

/** A client to the stand-in director whose log lines (their msg) land in `logged`. */
function clientWithLog(): { client: DirectorClient; logged: string[] } {
  const logged: string[] = [];
  const log = createLogger({}, 'info', (line) => logged.push(JSON.parse(line).msg));
  return { client: new DirectorClient(`https://127.0.0.1:${server.port}`, { log }), logged };
}

const stats = { hostname: 'ws1', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };
const large: AgentUpdate = { sessions: Array.from({ length: 100 }, (_, index) => ({ id: `session-${index}`, owner: 'alice', type: 'virtual', 'num-of-connections': 0 })), stats };
const small: AgentUpdate = { sessions: [], stats };

/** Sends each update in turn on one client; what the director received. */
async function send(client: DirectorClient, ...bodies: AgentUpdate[]): Promise<Received[]> {
  received.length = 0;
  for (const body of bodies) await client.update(body, credentials);
  return [...received];
}

describe('DirectorClient updates', () => {
  test('ok: plain until the director offers gzip; then large updates go gzipped and small ones plain', async () => {
    behaviour = 'offers-gzip';
    const { client, logged } = clientWithLog();
    expect(client.updatesGzipped).toBe(false);
    const got = await send(client, large, large, small);
    expect(got).toEqual([
      { encoding: null, json: large },
      { encoding: 'gzip', json: large },
      { encoding: null, json: small },
    ]);
    expect(client.updatesGzipped).toBe(true);
    expect(logged).toEqual(['director takes gzipped updates']);
  });

  test('ok: a director that never offers gzip (the public Go dcvix director) only ever gets plain JSON', async () => {
    behaviour = 'plain-only';
    const client = new DirectorClient(`https://127.0.0.1:${server.port}`);
    expect((await send(client, large, large, large)).map((got) => got.encoding)).toEqual([null, null, null]);
    expect(client.updatesGzipped).toBe(false);
  });

  test('ok: a gzipped update refused with 415 is sent again plain at once, and plain it stays', async () => {
    behaviour = 'offers-gzip';
    const { client, logged } = clientWithLog();
    await send(client, large);
    behaviour = 'refuses-gzip';
    expect(await send(client, large, large)).toEqual([
      { encoding: null, json: large },
      { encoding: null, json: large },
    ]);
    expect(client.updatesGzipped).toBe(false);
    expect(logged).toEqual(['director takes gzipped updates', 'director takes plain updates only', 'gzipped update refused, sent plain']);
  });

  test('rejects: any other refusal of a gzipped update is not sent again', async () => {
    behaviour = 'offers-gzip';
    const client = new DirectorClient(`https://127.0.0.1:${server.port}`);
    await send(client, large);
    behaviour = 'refuses-agent';
    const before = requests;
    const err = await client.update(large, credentials).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectorError);
    expect((err as DirectorError).code).toBe('AGENT_UNKNOWN');
    expect(requests - before).toBe(1);
  });
});

describe('DirectorClient answers', () => {
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const guid = '3f2a9c1d-7b4e-4c2a-9d1e-0a1b2c3d4e5f';
  const register = (client: DirectorClient) => client.register({ guid, hostname: 'ws1', csr: 'MIIB' }, { kind: 'tofu' });

  test("ok: an update's answer is our director's (AgentUpdateAnswer), or nothing from the Go director's empty 200", async () => {
    behaviour = 'plain-only';
    const client = new DirectorClient(`https://127.0.0.1:${server.port}`);
    updateAnswer = '{"ok":true,"sessions":3,"skipped":1}';
    expect(await client.update(small, credentials)).toEqual({ ok: true, sessions: 3, skipped: 1 });
    updateAnswer = '';
    expect(await client.update(small, credentials)).toBeUndefined();
    updateAnswer = '{"ok":true,"sessions":0,"skipped":0}';
  });

  test("ok: a registration answered the Go director's way (`ca`, no caCertificate or notAfter) is taken", async () => {
    registerAnswer = registerAnswerOf(PEM, PEM, guid);
    expect(await register(new DirectorClient(`https://127.0.0.1:${server.port}`))).toEqual(registerAnswerOf(PEM, PEM, guid));
  });

  test('rejects: a registration answer its model refuses is BAD_RESPONSE naming the field', async () => {
    for (const [answer, field] of [
      [{ ca: PEM }, 'field "certificate"'],
      [{ certificate: PEM, ca: PEM, renewalIntervalSeconds: '43200' }, 'field "renewalIntervalSeconds"'],
      [[PEM], 'the answer'],
    ] as const) {
      registerAnswer = answer;
      const err = await register(new DirectorClient(`https://127.0.0.1:${server.port}`)).catch((e: unknown) => e);
      expect({ answer, code: (err as DirectorError).code, message: (err as DirectorError).message }).toEqual({ answer, code: 'BAD_RESPONSE', message: expect.stringContaining(field) });
    }
  });
});
