/** The PROXY v2 front under the real TLS server: HTTP/1.1 and HTTP/2 clients over loopback. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { selfSignedCert } from '../../tests/helpers/slapd.ts';
import { cleanupTempDirs, tempDir } from '../../tests/helpers/temp.ts';
import { connectionInfo } from './connection-info.ts';
import { buildProxyV2 } from './proxy-protocol.ts';
import { startSecureServer, type SecureServer } from './secure-server.ts';

const TRUSTED = '127.0.0.2';
let server: SecureServer;
let ca: string;
const refused: string[] = [];
/** The `from` of each refusal, in the same order. */
const refusedFrom: string[] = [];

beforeAll(async () => {
  const files = await selfSignedCert(tempDir('dcvix-proxy-'));
  ca = readFileSync(files.cert, 'utf8');
  server = await startSecureServer({
    host: '127.0.0.1',
    port: 0,
    tls: { cert: ca, key: readFileSync(files.key, 'utf8'), ca },
    maxBodyBytes: 1024,
    handle: (request) => new Response(connectionInfo(request).remoteAddress),
    proxy: { isTrusted: (a) => a === TRUSTED, headerTimeoutMs: 400, onRefused: (reason, from) => (refused.push(reason), refusedFrom.push(from)) },
  });
});
afterAll(async () => {
  await server?.close();
  cleanupTempDirs();
});

/** Connects from `from`, writes the header pieces (each in its own write), then speaks TLS. */
function rawConnect(from: string, pieces: Buffer[]): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const raw = net.connect({ host: '127.0.0.1', port: server.port, localAddress: from }, async () => {
      for (const piece of pieces) {
        raw.write(piece);
        await Bun.sleep(5);
      }
      resolve(raw);
    });
    raw.once('error', reject);
  });
}

/** HTTP/1.1 GET over TLS on the raw socket; resolves with the body the handler returned. */
async function askHttp1(from: string, pieces: Buffer[] = []): Promise<string> {
  const raw = await rawConnect(from, pieces);
  return new Promise((resolve, reject) => {
    // A refused connection may be gone before TLS starts: no answer within 2 s is a refusal too.
    setTimeout(() => reject(new Error('no answer')), 2000);
    const tlsSocket = tls.connect({ socket: raw, ca, checkServerIdentity: () => undefined }, () => tlsSocket.write('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'));
    let text = '';
    tlsSocket.on('data', (d) => (text += d));
    tlsSocket.on('end', () => (text ? resolve(text.split('\r\n\r\n')[1] ?? '') : reject(new Error('closed without an answer'))));
    tlsSocket.on('error', reject);
    raw.on('close', () => !text && reject(new Error('closed without an answer')));
  });
}

async function askHttp2(from: string, pieces: Buffer[]): Promise<string> {
  const raw = await rawConnect(from, pieces);
  const session = http2.connect(`https://127.0.0.1:${server.port}`, {
    createConnection: () => tls.connect({ socket: raw, ca, ALPNProtocols: ['h2'], checkServerIdentity: () => undefined }),
  });
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request({ ':path': '/' });
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => resolve(body));
      req.on('error', reject);
    });
  } finally {
    session.close();
  }
}

const header = (address: string) => buildProxyV2({ address, port: 40_000 });

describe('PROXY protocol v2 front', () => {
  test("ok: a trusted proxy's header gives the real client address, over HTTP/1.1 and HTTP/2", async () => {
    expect(await askHttp1(TRUSTED, [header('192.0.2.10')])).toBe('192.0.2.10');
    expect(await askHttp2(TRUSTED, [header('192.0.2.11')])).toBe('192.0.2.11');
  });

  test('ok: a header split across writes, and TLS bytes in the same write as the header', async () => {
    const proxyHeader = header('192.0.2.12');
    expect(await askHttp1(TRUSTED, [proxyHeader.subarray(0, 5), proxyHeader.subarray(5, 14), proxyHeader.subarray(14)])).toBe('192.0.2.12');
  });

  test("ok: LOCAL (health checks) is served with the proxy's own address and no refusal", async () => {
    const before = refused.length;
    expect(await askHttp1(TRUSTED, [buildProxyV2('local')])).toBe(TRUSTED);
    expect(refused.length).toBe(before);
  });

  test('ok: other addresses speak plain TLS and are seen as they are', async () => {
    expect(await askHttp1('127.0.0.1')).toBe('127.0.0.1');
  });

  test('rejects: a header from an untrusted address, and plain TLS from a trusted proxy', async () => {
    await expect(askHttp1('127.0.0.3', [header('192.0.2.66')])).rejects.toThrow();
    expect(refused).toContain('PROXY header from an address not in trusted_proxies');
    await expect(askHttp1(TRUSTED)).rejects.toThrow();
    expect(refused).toContain('no PROXY v2 signature from a trusted proxy');
    expect(refusedFrom).toEqual(expect.arrayContaining(['127.0.0.3', TRUSTED]));
  });

  test('ok: a peer that resets before the front reads it is not refused later, and no refusal lacks its address', async () => {
    const before = refused.length;
    // The client runs in a child while this process is blocked in spawnSync: the connections are
    // accepted by the kernel and reset before the front's callback runs, as with a health check that
    // gave up on a busy director. Their sockets then have no remote address.
    const client = `
      const net = require('node:net');
      const port = ${server.port};
      let left = 2;
      for (const from of ['${TRUSTED}', '127.0.0.5']) {
        const socket = net.connect({ host: '127.0.0.1', port, localAddress: from }, () => socket.resetAndDestroy());
        socket.on('error', () => {});
        socket.on('close', () => --left || process.exit(0));
      }`;
    const child = Bun.spawnSync([process.execPath, '-e', client], { timeout: 10_000 });
    expect(child.exitCode).toBe(0);
    await Bun.sleep(400 + 600); // past the front's header timeout (400 ms here)
    expect(refused.slice(before)).toEqual([]);
    for (const from of refusedFrom) expect(from).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  test('rejects: a trusted connection that never finishes its header is closed after the timeout', async () => {
    const raw = await rawConnect(TRUSTED, [header('192.0.2.13').subarray(0, 10)]);
    const closed = await Promise.race([new Promise((r) => raw.once('close', () => r('closed'))), Bun.sleep(3000).then(() => 'open')]);
    expect(closed).toBe('closed');
    expect(refused).toContain('no complete PROXY header in time');
  });
});
