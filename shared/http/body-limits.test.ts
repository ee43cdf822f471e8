/** Body limits per path and gzip bodies in the real TLS fronts: both over HTTP/1.1, the node front over HTTP/2 too. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import { selfSignedCert } from '../../tests/helpers/slapd.ts';
import { cleanupTempDirs, tempDir } from '../../tests/helpers/temp.ts';
import { connectionInfo } from './connection-info.ts';
import { AGENT_UPDATE_BODY, frontFor, startSecureServer, type SecureServer, type SecureServerOptions } from './secure-server.ts';

const DEFAULT_LIMIT = 1024;
const AGENT_LIMIT = 64 * 1024;
const OPEN_LIMIT = 8 * 1024;

const FRONTS = ['native', 'node'] as const;
type Front = (typeof FRONTS)[number];
const servers: Partial<Record<Front, SecureServer>> = {};
const bases: Partial<Record<Front, string>> = {};
/** Where the describe block running now sends its requests. */
let base: string;
let serverPem: { cert: string; key: string };
let agentPem: { cert: string; key: string };
let strangerPem: { cert: string; key: string };
/** What the handler saw, per request that reached it. */
const seen: { path: string; bytes: number; encoding: string | null; length: string | null; certified: boolean }[] = [];

/** A self-signed P-256 certificate and key, read into PEM strings. */
async function pemPair(name: string): Promise<{ cert: string; key: string }> {
  const dir = join(tempDir('dcvix-body-'), name);
  mkdirSync(dir);
  const files = await selfSignedCert(dir);
  return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
}

beforeAll(async () => {
  [serverPem, agentPem, strangerPem] = await Promise.all([pemPair('server'), pemPair('agent'), pemPair('stranger')]);
  const opts: SecureServerOptions = {
    host: '127.0.0.1',
    port: 0,
    // Client certificates are verified against the agent's own (self-signed) one; the stranger's is unknown.
    tls: { ...serverPem, ca: `${serverPem.cert}${agentPem.cert}` },
    maxBodyBytes: DEFAULT_LIMIT,
    bodyRoutes: [
      { path: '/agent', maxBytes: AGENT_LIMIT, gzip: true, clientCertificateOnly: true },
      { path: '/open', maxBytes: OPEN_LIMIT },
    ],
    handle: async (request) => {
      const bytes = (await request.arrayBuffer()).byteLength;
      seen.push({
        path: new URL(request.url).pathname,
        bytes,
        encoding: request.headers.get('content-encoding'),
        length: request.headers.get('content-length'),
        certified: connectionInfo(request).peer.authorized,
      });
      return Response.json({ bytes });
    },
  };
  // The same options twice: the default (native) front, and the node front, which a listener gets when
  // it has an SNI callback (one that never picks another certificate) and which alone speaks HTTP/2.
  const withSni: SecureServerOptions = { ...opts, sniContext: () => undefined };
  expect([frontFor(opts), frontFor(withSni)]).toEqual(['native', 'node']);
  [servers.native, servers.node] = await Promise.all([startSecureServer(opts), startSecureServer(withSni)]);
  for (const front of FRONTS) bases[front] = `https://127.0.0.1:${servers[front]!.port}`;
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((server) => server.close()));
  cleanupTempDirs();
});

interface Sent {
  status: number;
  json: { bytes?: number; error?: { code: string; message: string; requestId: string } };
  headers: Headers;
}

/** POST over HTTP/1.1 (Bun's fetch, as the agent sends), with the agent's certificate unless told otherwise. */
async function post(path: string, body: Uint8Array | ReadableStream<Uint8Array>, opts: { encoding?: string; as?: 'agent' | 'stranger' | 'nobody' } = {}): Promise<Sent> {
  const who = opts.as ?? 'agent';
  const cert = who === 'agent' ? agentPem : who === 'stranger' ? strangerPem : undefined;
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.encoding ? { 'content-encoding': opts.encoding } : {}) },
    body,
    tls: { ca: serverPem.cert, checkServerIdentity: () => undefined, ...(cert ?? {}) },
  } as RequestInit);
  return { status: response.status, json: await response.json(), headers: response.headers };
}

/** A JSON-ish body of exactly `size` bytes. */
const jsonOf = (size: number) => new TextEncoder().encode(`"${'x'.repeat(size - 2)}"`);

const expectRefusal = (sent: Sent, status: number, code: string) => {
  expect(sent.status).toBe(status);
  expect(sent.json.error?.code).toBe(code);
  expect(sent.json.error?.requestId).toBeString();
};

test('ok: by default the agent update path is sized to the largest update, for certified clients only', () => {
  expect(AGENT_UPDATE_BODY).toMatchObject({ path: '/v1/agent/update', gzip: true, clientCertificateOnly: true });
  expect(AGENT_UPDATE_BODY.maxBytes).toBeGreaterThan(2000 * 1000);
});

describe.each(FRONTS)('%s front, HTTP/1.1', (front) => {
  beforeAll(() => {
    base = bases[front]!;
  });

  describe('body limits per path', () => {
    test('ok: a path with its own limit takes a body past maxBodyBytes; every other path keeps maxBodyBytes', async () => {
      expect((await post('/agent', jsonOf(AGENT_LIMIT))).json.bytes).toBe(AGENT_LIMIT);
      expect((await post('/open', jsonOf(OPEN_LIMIT), { as: 'nobody' })).json.bytes).toBe(OPEN_LIMIT);
      expect((await post('/elsewhere', jsonOf(DEFAULT_LIMIT))).json.bytes).toBe(DEFAULT_LIMIT);
    });

    test('rejects: one byte past a limit is 413 PAYLOAD_TOO_LARGE naming that limit, before the handler runs', async () => {
      const before = seen.length;
      const agent = await post('/agent', jsonOf(AGENT_LIMIT + 1));
      expectRefusal(agent, 413, 'PAYLOAD_TOO_LARGE');
      expect(agent.json.error?.message).toBe(`request body exceeds ${AGENT_LIMIT} bytes`);
      expectRefusal(await post('/open', jsonOf(OPEN_LIMIT + 1)), 413, 'PAYLOAD_TOO_LARGE');
      const elsewhere = await post('/elsewhere', jsonOf(DEFAULT_LIMIT + 1));
      expectRefusal(elsewhere, 413, 'PAYLOAD_TOO_LARGE');
      expect(elsewhere.json.error?.message).toBe(`request body exceeds ${DEFAULT_LIMIT} bytes`);
      // A path that merely starts like the route's keeps the default; a query leaves the path as it is.
      expectRefusal(await post('/agent/x', jsonOf(DEFAULT_LIMIT + 1)), 413, 'PAYLOAD_TOO_LARGE');
      expect((await post('/agent?x=1', jsonOf(DEFAULT_LIMIT + 1))).json.bytes).toBe(DEFAULT_LIMIT + 1);
      expect(seen.length).toBe(before + 1);
    });

    test('rejects: a body with no Content-Length (chunked) is counted as it streams and cut at the limit', async () => {
      const chunk = jsonOf(16 * 1024);
      let pulled = 0;
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          if (pulled > 1000) controller.close();
          else controller.enqueue(chunk);
        },
      });
      expectRefusal(await post('/agent', endless), 413, 'PAYLOAD_TOO_LARGE');
      expect(pulled).toBeLessThan(1000);
    });

    test('rejects: a client-certificate-only limit does not apply without a verified certificate', async () => {
      expectRefusal(await post('/agent', jsonOf(DEFAULT_LIMIT + 1), { as: 'nobody' }), 413, 'PAYLOAD_TOO_LARGE');
      expectRefusal(await post('/agent', jsonOf(DEFAULT_LIMIT + 1), { as: 'stranger' }), 413, 'PAYLOAD_TOO_LARGE');
      expect((await post('/agent', jsonOf(DEFAULT_LIMIT), { as: 'nobody' })).json.bytes).toBe(DEFAULT_LIMIT);
    });
  });

  describe('gzip bodies', () => {
    test('ok: a gzip body is inflated before the handler, which sees the plain body and its real length', async () => {
      const plain = jsonOf(AGENT_LIMIT);
      const before = seen.length;
      const sent = await post('/agent', Bun.gzipSync(plain), { encoding: 'gzip' });
      expect(sent.status).toBe(200);
      expect(sent.json.bytes).toBe(AGENT_LIMIT);
      expect(sent.headers.get('accept-encoding')).toBe('gzip');
      expect(seen.slice(before)).toEqual([{ path: '/agent', bytes: AGENT_LIMIT, encoding: null, length: String(AGENT_LIMIT), certified: true }]);
    });

    test('rejects: gzip that inflates past the limit is 413, however small it is on the wire (zip bomb)', async () => {
      const before = seen.length;
      const bomb = Bun.gzipSync(new Uint8Array(64 * 1024 * 1024));
      expect(bomb.byteLength).toBeLessThan(AGENT_LIMIT);
      const sent = await post('/agent', bomb, { encoding: 'gzip' });
      expectRefusal(sent, 413, 'PAYLOAD_TOO_LARGE');
      expect(sent.json.error?.message).toBe(`request body exceeds ${AGENT_LIMIT} bytes once inflated`);
      expectRefusal(await post('/agent', Bun.gzipSync(jsonOf(AGENT_LIMIT + 1)), { encoding: 'gzip' }), 413, 'PAYLOAD_TOO_LARGE');
      expect(seen.length).toBe(before);
    });

    test('rejects: a corrupt or cut-off gzip stream is 400 INVALID_GZIP', async () => {
      const good = Bun.gzipSync(jsonOf(4096));
      expectRefusal(await post('/agent', new TextEncoder().encode('{"not": "gzip"}'), { encoding: 'gzip' }), 400, 'INVALID_GZIP');
      expectRefusal(await post('/agent', good.subarray(0, good.byteLength - 12), { encoding: 'gzip' }), 400, 'INVALID_GZIP');
      const flipped = new Uint8Array(good);
      flipped[good.byteLength - 6]! ^= 0xff; // the length in the trailer
      expectRefusal(await post('/agent', flipped, { encoding: 'gzip' }), 400, 'INVALID_GZIP');
    });

    test('rejects: gzip where the path does not take it, and any other coding, is 415 UNSUPPORTED_CONTENT_ENCODING', async () => {
      expectRefusal(await post('/open', Bun.gzipSync(jsonOf(100)), { encoding: 'gzip', as: 'nobody' }), 415, 'UNSUPPORTED_CONTENT_ENCODING');
      const brotli = await post('/agent', jsonOf(100), { encoding: 'br' });
      expectRefusal(brotli, 415, 'UNSUPPORTED_CONTENT_ENCODING');
      expect(brotli.headers.get('accept-encoding')).toBe('gzip');
      expectRefusal(await post('/agent', Bun.gzipSync(Bun.gzipSync(jsonOf(100))), { encoding: 'gzip, gzip' }), 415, 'UNSUPPORTED_CONTENT_ENCODING');
      expect((await post('/agent', jsonOf(100), { encoding: 'identity' })).json.bytes).toBe(100);
    });
  });
});

describe('node front, HTTP/2', () => {
  beforeAll(() => {
    base = bases.node!;
  });

  /** One POST on an h2 session with the agent's certificate: status and parsed answer. */
  function postH2(path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; json: Sent['json'] }> {
    const session = http2.connect(base, { ca: serverPem.cert, ...agentPem, checkServerIdentity: () => undefined });
    return new Promise<{ status: number; json: Sent['json'] }>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json', ...headers });
      let status = 0;
      let text = '';
      stream.on('response', (answer) => (status = Number(answer[':status'])));
      stream.on('data', (chunk) => (text += chunk));
      stream.on('end', () => resolve({ status, json: JSON.parse(text) }));
      stream.on('error', reject);
      stream.end(body);
    }).finally(() => session.close());
  }

  test('ok: the same limits and gzip on an HTTP/2 stream', async () => {
    expect(await postH2('/agent', Bun.gzipSync(jsonOf(AGENT_LIMIT)), { 'content-encoding': 'gzip' })).toEqual({ status: 200, json: { bytes: AGENT_LIMIT } });
    const bomb = await postH2('/agent', Bun.gzipSync(new Uint8Array(8 * 1024 * 1024)), { 'content-encoding': 'gzip' });
    expect(bomb.status).toBe(413);
    expect(bomb.json.error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await postH2('/elsewhere', jsonOf(DEFAULT_LIMIT + 1))).json.error?.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
