import { afterAll, beforeAll, expect, test } from 'bun:test';
import http2 from 'node:http2';
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

test('rejects: one connection opening 10,000 streams; RSS stays under 300 MB and another client is served', async () => {
  let peak = rssOf(director.proc.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(director.proc.pid))), 20);
  const flood = h2StreamFlood(director.port, 10_000);
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
  // The flooding connection is cut off (stream limit exceeded), not served for as long as it likes.
  expect(result.closed).toBe(true);
  expect(peak).toBeLessThan(300 * 1024 * 1024);
  expect((await call(`${director.url}/v1/health`, { ca: director.caPem })).status).toBe(200);
}, 60_000);
