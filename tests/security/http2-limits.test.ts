import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { frontFor, startSecureServer, type SecureServer, type SecureServerOptions } from '../../shared/http/secure-server.ts';
import { startDirector, type DirectorHandle } from '../helpers/dcvix.ts';
import { h2StreamFlood, rssOf } from '../helpers/h2-flood.ts';
import { call } from '../helpers/https.ts';
import { selfSignedCert } from '../helpers/slapd.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * Protocol limits of the TLS listeners. The director's own port (the native front) speaks HTTP/1.1
 * only: HTTP/2 is refused at ALPN, headers are capped and slow heads cut off. HTTP/2 is spoken by the
 * node front alone (listeners with PROXY protocol or SNI): there a stream flood neither grows memory
 * nor starves other clients.
 */
afterAll(() => cleanupTempDirs());

/** What an HTTP/2-only client gets from `url`: 'connected' or the error it failed with. */
function h2Connect(url: string, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const session = http2.connect(url, { ca });
    session.on('connect', () => (session.close(), resolve('connected')));
    session.on('error', (error) => (session.destroy(), resolve(`error: ${error.message}`)));
    setTimeout(() => (session.destroy(), resolve('timeout')), 10_000);
  });
}

describe('director port: HTTP/1.1 only', () => {
  let director: DirectorHandle;

  beforeAll(async () => {
    director = await startDirector();
  }, 60_000);
  afterAll(() => director?.stop());

  test('rejects: an HTTP/2-only client is refused at ALPN; ok: an HTTP/1.1 client is served', async () => {
    expect(await h2Connect(director.url, director.caPem)).toContain('NO_APPLICATION_PROTOCOL');
    expect((await call(`${director.url}/v1/health`, { ca: director.caPem })).status).toBe(200);
  });

  test('rejects: a 20 KB request header gets 431 HEADERS_TOO_LARGE; 8 KB passes', async () => {
    const withHeader = (size: number) => call(`${director.url}/v1/health`, { ca: director.caPem, headers: { 'x-big': 'a'.repeat(size) } });
    expect((await withHeader(8000)).status).toBe(200);
    const refused = await withHeader(20_000);
    expect([refused.status, refused.json?.error?.code]).toEqual([431, 'HEADERS_TOO_LARGE']);
  });

  describe('time-outs', () => {
    let quick: DirectorHandle;
    beforeAll(async () => {
      quick = await startDirector({ config: { http_headers_timeout: '1s' } });
    }, 60_000);
    afterAll(() => quick?.stop());

    test('rejects: an HTTP/1.1 client that never finishes its headers is cut off after http_headers_timeout', async () => {
      const closedAfter = await new Promise<number>((resolve) => {
        const started = Date.now();
        const socket = connect({ host: '127.0.0.1', port: quick.port, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false });
        socket.on('secureConnect', () => socket.write('GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: '));
        socket.on('error', () => {});
        socket.on('close', () => resolve(Date.now() - started));
        setTimeout(() => (socket.destroy(), resolve(-1)), 15_000);
      });
      expect(closedAfter).toBeGreaterThan(0);
    }, 30_000);
  });
});

describe('node front: HTTP/2 limits', () => {
  let server: SecureServer;
  let url: string;
  let ca: string;

  beforeAll(async () => {
    const dir = join(tempDir('dcvix-h2-'), 'server');
    mkdirSync(dir);
    const files = await selfSignedCert(dir);
    const pem = { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
    ca = pem.cert;
    const opts: SecureServerOptions = {
      host: '127.0.0.1',
      port: 0,
      tls: { ...pem, ca: pem.cert },
      maxBodyBytes: 64 * 1024,
      idleTimeoutMs: 1000,
      // An SNI callback (one that never picks another certificate) is what gives a listener the node front.
      sniContext: () => undefined,
      handle: async (request) => {
        await request.arrayBuffer();
        return Response.json({ ok: true });
      },
    };
    expect(frontFor(opts)).toBe('node');
    server = await startSecureServer(opts);
    url = `https://127.0.0.1:${server.port}`;
  });
  afterAll(() => server?.close());

  test('ok: the server announces SETTINGS_MAX_CONCURRENT_STREAMS 100 and the HTTP/1.1 header limit', async () => {
    const session = http2.connect(url, { ca });
    const settings = await new Promise<http2.Settings>((resolve, reject) => {
      session.once('remoteSettings', resolve);
      session.once('error', reject);
    });
    session.close();
    expect(settings.maxConcurrentStreams).toBe(100);
    expect(settings.maxHeaderListSize).toBe(16 * 1024);
  });

  test('rejects: a 20 KB request header over HTTP/1.1 (431) and HTTP/2 (stream refused); 8 KB passes both', async () => {
    const viaH2 = (size: number) =>
      new Promise<string>((resolve) => {
        const session = http2.connect(url, { ca });
        session.on('error', () => {});
        const stream = session.request({ ':path': '/v1/health', 'x-big': 'a'.repeat(size) });
        stream.on('response', (h) => resolve(String(h[':status'])));
        stream.on('error', () => resolve('refused'));
        stream.on('close', () => (session.close(), resolve('refused')));
        stream.resume();
      });
    const viaH1 = async (size: number) => (await call(`${url}/v1/health`, { ca, headers: { 'x-big': 'a'.repeat(size) } })).status;
    expect([await viaH1(8000), await viaH2(8000)]).toEqual([200, '200']);
    expect([await viaH1(20_000), await viaH2(20_000)]).toEqual([431, 'refused']);
  });

  // Each flood stream is an open POST with 12 KB of headers (HPACK references, a few bytes each on the
  // wire). Without the HTTP/2 limits a server held every stream and passed 450 MB; with them the
  // connection is cut off after the first hundred. The server runs in this process, so the bound is on
  // this process's growth.
  test('rejects: one connection opening 10,000 streams with 12 KB headers each; RSS grows less than 200 MB and another client is served', async () => {
    Bun.gc(true);
    const baseline = rssOf(process.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(process.pid))), 20);
    const flood = h2StreamFlood(server.port, { streams: 10_000, headerCopies: 3, timeoutMs: 10_000 });
    // While the flood runs, a well-behaved client still gets its answers.
    const served: number[] = [];
    for (let request = 0; request < 5; request++) {
      served.push((await call(`${url}/v1/health`, { ca })).status);
      await Bun.sleep(50);
    }
    const result = await flood;
    clearInterval(sampler);
    peak = Math.max(peak, rssOf(process.pid));
    console.log(`h2 flood: RSS ${(baseline / 1048576).toFixed(0)} -> peak ${(peak / 1048576).toFixed(0)} MB, ${result.received} bytes back, closed=${result.closed}`);
    expect(served).toEqual([200, 200, 200, 200, 200]);
    expect(peak - baseline).toBeLessThan(200 * 1024 * 1024);
    // The flooding connection is cut off (stream limit exceeded), not served for as long as it likes.
    expect(result.closed).toBe(true);
    expect((await call(`${url}/v1/health`, { ca })).status).toBe(200);
  }, 60_000);

  test('rejects: an idle HTTP/2 connection is closed after idleTimeoutMs; a busy one is served', async () => {
    const session = http2.connect(url, { ca });
    const ok = await new Promise<number>((resolve) =>
      session
        .request({ ':path': '/v1/health' })
        .on('response', (h) => resolve(Number(h[':status'])))
        .resume(),
    );
    expect(ok).toBe(200);
    const closed = await new Promise<boolean>((resolve) => {
      session.on('close', () => resolve(true));
      session.on('error', () => {});
      setTimeout(() => resolve(false), 15_000);
    });
    expect(closed).toBe(true);
  }, 30_000);
});
