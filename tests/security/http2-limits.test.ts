import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import http2 from 'node:http2';
import { connect } from 'node:tls';
import { startDirector, type DirectorHandle } from '../helpers/dcvix.ts';
import { h2StreamFlood, rssOf } from '../helpers/h2-flood.ts';
import { call } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/** HTTP/2 limits on the director's TLS server: a stream flood neither grows memory nor starves others. */
let director: DirectorHandle;

beforeAll(async () => {
  director = await startDirector();
}, 60_000);

afterAll(async () => {
  await director?.stop();
  cleanupTempDirs();
});

test('ok: the server announces SETTINGS_MAX_CONCURRENT_STREAMS 100 and the HTTP/1.1 header limit', async () => {
  const session = http2.connect(director.url, { ca: director.caPem });
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
      const session = http2.connect(director.url, { ca: director.caPem });
      session.on('error', () => {});
      const stream = session.request({ ':path': '/v1/health', 'x-big': 'a'.repeat(size) });
      stream.on('response', (h) => resolve(String(h[':status'])));
      stream.on('error', () => resolve('refused'));
      stream.on('close', () => (session.close(), resolve('refused')));
      stream.resume();
    });
  const viaH1 = async (size: number) => (await call(`${director.url}/v1/health`, { ca: director.caPem, headers: { 'x-big': 'a'.repeat(size) } })).status;
  expect([await viaH1(8000), await viaH2(8000)]).toEqual([200, '200']);
  expect([await viaH1(20_000), await viaH2(20_000)]).toEqual([431, 'refused']);
});

// Each flood stream is an open POST with 12 KB of headers (HPACK references, a few bytes each on the
// wire). Without the HTTP/2 limits the director held every stream and passed 450 MB; with them the
// connection is cut off after the first hundred.
test('rejects: one connection opening 10,000 streams with 12 KB headers each; RSS stays under 300 MB and another client is served', async () => {
  let peak = rssOf(director.proc.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(director.proc.pid))), 20);
  const flood = h2StreamFlood(director.port, { streams: 10_000, headerCopies: 3, timeoutMs: 10_000 });
  // While the flood runs, a well-behaved client still gets its answers.
  const served: number[] = [];
  for (let i = 0; i < 5; i++) {
    served.push((await call(`${director.url}/v1/health`, { ca: director.caPem })).status);
    await Bun.sleep(50);
  }
  const result = await flood;
  clearInterval(sampler);
  peak = Math.max(peak, rssOf(director.proc.pid));
  console.log(`h2 flood: peak director RSS ${(peak / 1048576).toFixed(0)} MB, ${result.received} bytes back, closed=${result.closed}`);
  expect(served).toEqual([200, 200, 200, 200, 200]);
  expect(peak).toBeLessThan(300 * 1024 * 1024);
  // The flooding connection is cut off (stream limit exceeded), not served for as long as it likes.
  expect(result.closed).toBe(true);
  expect((await call(`${director.url}/v1/health`, { ca: director.caPem })).status).toBe(200);
}, 60_000);

describe('time-outs', () => {
  let quick: DirectorHandle;
  beforeAll(async () => {
    quick = await startDirector({ config: { http_headers_timeout: '1s', http_idle_timeout: '1s' } });
  }, 60_000);
  afterAll(() => quick?.stop());

  test('rejects: an HTTP/1.1 client that never finishes its headers is cut off after http_headers_timeout', async () => {
    const closedAfter = await new Promise<number>((resolve) => {
      const started = Date.now();
      const s = connect({ host: '127.0.0.1', port: quick.port, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false });
      s.on('secureConnect', () => s.write('GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: '));
      s.on('error', () => {});
      s.on('close', () => resolve(Date.now() - started));
      setTimeout(() => (s.destroy(), resolve(-1)), 15_000);
    });
    expect(closedAfter).toBeGreaterThan(0);
  }, 30_000);

  test('rejects: an idle HTTP/2 connection is closed after http_idle_timeout; a busy one is served', async () => {
    const session = http2.connect(quick.url, { ca: quick.caPem });
    const ok = await new Promise<number>((resolve) => session.request({ ':path': '/v1/health' }).on('response', (h) => resolve(Number(h[':status']))).resume());
    expect(ok).toBe(200);
    const closed = await new Promise<boolean>((resolve) => {
      session.on('close', () => resolve(true));
      session.on('error', () => {});
      setTimeout(() => resolve(false), 15_000);
    });
    expect(closed).toBe(true);
  }, 30_000);
});
