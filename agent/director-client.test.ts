/** The agent's update over real TLS: plain JSON until the director offers gzip, gzipped after (large ones). */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createLogger } from '../shared/log.ts';
import { run } from '../tests/helpers/run.ts';
import { cleanupTempDirs, tempDir } from '../tests/helpers/temp.ts';
import { DirectorClient, DirectorError, type ClientCredentials } from './director-client.ts';

interface Received {
  encoding: string | null;
  json: unknown;
}

/** How the stand-in director answers updates: offer gzip or not, or refuse gzipped ones with 415. */
let behaviour: 'offers-gzip' | 'plain-only' | 'refuses-gzip' | 'refuses-agent' = 'plain-only';
const received: Received[] = [];
let requests = 0;
let server: ReturnType<typeof Bun.serve>;
let credentials: ClientCredentials;

beforeAll(async () => {
  const dir = tempDir('dcvix-client-');
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  // The agent only talks to a peer named dcvix-director.
  const subject = ['-subj', '/CN=dcvix-director', '-addext', 'subjectAltName=IP:127.0.0.1'];
  await run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', ...subject]);
  const pem = { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  credentials = { certPem: pem.cert, keyPem: pem.key, caPem: pem.cert };
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    tls: pem,
    async fetch(request) {
      requests++;
      const encoding = request.headers.get('content-encoding');
      if (behaviour === 'refuses-agent') return Response.json({ error: { code: 'AGENT_UNKNOWN', message: 'unknown agent' } }, { status: 401, headers: { 'accept-encoding': 'gzip' } });
      const raw = new Uint8Array(await request.arrayBuffer());
      if (encoding && behaviour === 'refuses-gzip') return Response.json({ error: { code: 'UNSUPPORTED_CONTENT_ENCODING', message: 'no' } }, { status: 415 });
      received.push({ encoding, json: JSON.parse(new TextDecoder().decode(encoding === 'gzip' ? gunzipSync(raw) : raw)) });
      return Response.json({ ok: true }, { headers: behaviour === 'offers-gzip' ? { 'accept-encoding': 'gzip' } : {} });
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

const large = { sessions: Array.from({ length: 100 }, (_, index) => ({ id: `session-${index}`, owner: 'alice', type: 'virtual' })) };
const small = { sessions: [] };

/** Sends each update in turn on one client; what the director received. */
async function send(client: DirectorClient, ...bodies: object[]): Promise<Received[]> {
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
