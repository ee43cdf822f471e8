/**
 * The native TLS front over real sockets: connection reuse, pipelining, close semantics, refusals that
 * close the connection, Expect: 100-continue, chunked bodies, time-outs, client certificates, ALPN,
 * certificate swaps and the TLS policy; and the node front (chosen by an SNI callback) on the requests
 * both must read alike. Raw node:tls sockets write what fetch cannot express.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { newKey, strangerCa, type Signer } from '../../tests/helpers/hostile.ts';
import { selfSignedCert } from '../../tests/helpers/slapd.ts';
import { cleanupTempDirs, tempDir } from '../../tests/helpers/temp.ts';
import { connectionInfo } from './connection-info.ts';
import { frontFor, startSecureServer, type SecureServer, type SecureServerOptions, type TlsMaterial } from './secure-server.ts';

/** The 3 MB answer: a pattern that is not all one byte, so a lost or repeated piece shows. */
const BIG = Buffer.alloc(3 * 1024 * 1024);
for (let at = 0; at < BIG.length; at++) BIG[at] = (at * 31 + (at >> 12)) & 0xff;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** The 63 MB answer (21 times BIG), far more than the socket buffers hold; made on first use. */
let huge: Buffer<ArrayBuffer> | undefined;
function hugeAnswer(): Buffer<ArrayBuffer> {
  if (huge) return huge;
  huge = Buffer.alloc(21 * BIG.length);
  for (let at = 0; at < huge.length; at += BIG.length) BIG.copy(huge, at);
  return huge;
}
const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

/** A request as the handler saw it. */
interface Seen {
  path: string;
  bytes: number;
  body: string;
  length: string | null;
  coding: string | null;
}

/** Every request a handler saw, across the servers of this file. */
const seen: Seen[] = [];
/** What the servers reported to onError. */
const errors: unknown[] = [];
let ca: Signer;
let stranger: Signer;
let pemA: { cert: string; key: string };
let pemB: { cert: string; key: string };
let client: { cert: string; key: string };
let strangerClient: { cert: string; key: string };
let server: SecureServer;
const servers: SecureServer[] = [];

async function pemPair(name: string): Promise<{ cert: string; key: string }> {
  const dir = join(tempDir('dcvix-native-'), name);
  mkdirSync(dir);
  const files = await selfSignedCert(dir);
  return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
}

/** A client certificate (Ed25519, like an agent's) signed by `signer`. */
async function clientOf(signer: Signer, cn: string): Promise<{ cert: string; key: string }> {
  const { keys, pem } = await newKey('Ed25519');
  return { cert: await signer.sign({ cn, publicKey: keys.publicKey, eku: ['clientAuth'] }), key: pem };
}

/** Answers by path: /slow waits, /big is 3 MB, /huge 63 MB, /no-content 204, /peer names the client certificate; the rest echo the path and body size. */
async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const body = new Uint8Array(await request.arrayBuffer());
  const { peer } = connectionInfo(request);
  seen.push({
    path: url.pathname,
    bytes: body.byteLength,
    body: Buffer.from(body).toString('latin1'),
    length: request.headers.get('content-length'),
    coding: request.headers.get('transfer-encoding'),
  });
  if (url.pathname === '/throw') throw new Error('handler failed');
  if (url.pathname === '/slow') await Bun.sleep(Number(url.searchParams.get('ms') ?? 300));
  if (url.pathname === '/big') return new Response(BIG, { headers: { 'content-type': 'application/octet-stream' } });
  if (url.pathname === '/huge') return new Response(hugeAnswer(), { headers: { 'content-type': 'application/octet-stream' } });
  if (url.pathname === '/no-content') return new Response(null, { status: 204 });
  // As a router answers HEAD: no body, the length the GET would have.
  if (url.pathname === '/declared' && request.method === 'HEAD') return new Response(null, { headers: { 'content-length': '42' } });
  if (url.pathname === '/own-headers') return new Response('own', { headers: { 'x-content-type-options': 'nosniff', 'strict-transport-security': 'max-age=63072000', 'set-cookie': 'a=1' } });
  if (url.pathname === '/peer') return Response.json({ authorized: peer.authorized, cn: peer.subjectCn ?? null });
  return new Response(`${request.method} ${url.pathname} ${body.byteLength}`);
}

async function start(extra: Partial<SecureServerOptions> = {}): Promise<SecureServer> {
  const opts: SecureServerOptions = { host: '127.0.0.1', port: 0, tls: tlsA(), maxBodyBytes: 64 * 1024, handle, onError: (error) => errors.push(error), ...extra };
  expect(frontFor(opts)).toBe('native');
  const started = await startSecureServer(opts);
  servers.push(started);
  return started;
}

const tlsA = (): TlsMaterial => ({ ...pemA, ca: ca.caPem });

beforeAll(async () => {
  [ca, stranger, pemA, pemB] = await Promise.all([strangerCa('front test CA'), strangerCa('front test CA'), pemPair('a'), pemPair('b')]);
  [client, strangerClient] = await Promise.all([clientOf(ca, 'agent-one'), clientOf(stranger, 'agent-one')]);
  server = await start();
});

afterAll(async () => {
  await Promise.all(servers.map((each) => each.close()));
  cleanupTempDirs();
});

/** One answer as read off the wire. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A raw HTTP/1.1 client on one TLS connection: writes bytes as given and reads answers one by one
 * (content-length framing, as the front sends), so reuse, pipelining and closing can be watched.
 */
class RawConnection {
  private buffer = Buffer.alloc(0);
  private wake: () => void = () => {};
  closed = false;
  readonly whenClosed: Promise<void>;

  private constructor(readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('error', () => {});
    this.whenClosed = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static async open(port: number, opts: ConnectionOptions = {}): Promise<RawConnection> {
    return new RawConnection(await connectTls(port, opts));
  }

  send(bytes: string | Uint8Array): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** The next complete answer; `bodiless` for the answer to a HEAD (its content-length frames nothing). */
  async next(bodiless = false, timeoutMs = 10_000): Promise<Answer> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const answer = this.take(bodiless);
      if (answer) return answer;
      if (this.closed) throw new Error(`connection closed before a complete answer (${this.buffer.length} bytes left: ${this.buffer.toString('latin1', 0, 200)})`);
      if (Date.now() > until) throw new Error(`no complete answer within ${timeoutMs} ms (${this.buffer.length} bytes)`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  }

  /** Bytes received and not read as an answer. */
  get leftover(): number {
    return this.buffer.length;
  }

  /** Waits for the server to close the connection; false when it has not within `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<boolean> {
    return Promise.race([this.whenClosed.then(() => true), Bun.sleep(timeoutMs).then(() => this.closed)]);
  }

  /** Everything not yet read as an answer once the server has closed (any framing, chunked too); throws if it does not close within `timeoutMs`. */
  async untilClosed(timeoutMs = 10_000): Promise<string> {
    if (!(await this.closedWithin(timeoutMs))) throw new Error(`not closed within ${timeoutMs} ms`);
    return this.buffer.toString('latin1');
  }

  end(): void {
    this.socket.destroy();
  }

  private take(bodiless: boolean): Answer | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const lines = this.buffer.toString('latin1', 0, end).split('\r\n');
    const status = Number(lines[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    // A field sent twice reads as one list, as fetch's Headers would show it.
    for (const line of lines.slice(1)) {
      const name = line.slice(0, line.indexOf(':')).toLowerCase();
      const value = line.slice(line.indexOf(':') + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const length = status < 200 || bodiless ? 0 : Number(headers['content-length'] ?? 0);
    if (this.buffer.length < end + 4 + length) return undefined;
    const body = Buffer.from(this.buffer.subarray(end + 4, end + 4 + length));
    this.buffer = this.buffer.subarray(end + 4 + length);
    return { status, headers, body };
  }
}

/** A TLS connection to the test server (either test certificate trusted), once its handshake is done. */
function connectTls(port: number, opts: ConnectionOptions = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: `${pemA.cert}${pemB.cert}`, ALPNProtocols: ['http/1.1'], ...opts });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A large answer as read: its head, and the length and hash of its body (not kept: it is 63 MB). */
interface LargeAnswer {
  status: number;
  headers: Record<string, string>;
  bytes: number;
  sha: string;
}

/**
 * Reads one answer off `socket` without keeping its body; `onBody` sees the size of each body piece
 * as it arrives (it may pause the socket). Rejects when the connection closes first.
 */
function readLarge(socket: TLSSocket, onBody: (bytes: number) => void = () => {}): Promise<LargeAnswer> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    let answer: LargeAnswer | undefined;
    let length = 0;
    const hash = createHash('sha256');
    const done = () => {
      socket.off('data', data);
      socket.off('close', closed);
    };
    const take = (body: Buffer) => {
      answer!.bytes += body.length;
      hash.update(body);
      onBody(body.length);
      if (answer!.bytes < length) return;
      done();
      resolve({ ...answer!, sha: hash.digest('hex') });
    };
    const data = (chunk: Buffer) => {
      if (answer) return take(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = head.toString('latin1', 0, end).split('\r\n');
      const headers = Object.fromEntries(lines.slice(1).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      answer = { status: Number(lines[0]!.split(' ')[1]), headers, bytes: 0, sha: '' };
      length = Number(headers['content-length'] ?? 0);
      take(head.subarray(end + 4));
    };
    const closed = () => {
      done();
      reject(new Error(`connection closed after ${answer?.bytes ?? 0} body bytes of ${length}`));
    };
    socket.on('data', data);
    socket.on('close', closed);
  });
}

/** A plain TCP connection (no TLS from the client side), to stall a handshake. */
class PlainConnection {
  private closed = false;
  private markClosed: () => void = () => {};
  private readonly whenClosed = new Promise<void>((resolve) => {
    this.markClosed = resolve;
  });

  private constructor(readonly socket: Bun.Socket<undefined>) {}

  static async open(port: number): Promise<PlainConnection> {
    let conn: PlainConnection | undefined;
    const socket = await Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        data() {},
        close: () => conn?.closedNow(),
        error() {},
      },
    });
    conn = new PlainConnection(socket);
    return conn;
  }

  closedWithin(timeoutMs: number): Promise<boolean> {
    return Promise.race([this.whenClosed.then(() => true), Bun.sleep(timeoutMs).then(() => this.closed)]);
  }

  private closedNow(): void {
    this.closed = true;
    this.markClosed();
  }
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

describe('connections', () => {
  test('ok: one kept-alive connection carries several requests in turn', async () => {
    const conn = await RawConnection.open(server.port);
    for (const path of ['/one', '/two', '/three']) {
      conn.send(get(path));
      const answer = await conn.next();
      expect([answer.status, answer.body.toString()]).toEqual([200, `GET ${path} 0`]);
      expect(answer.headers.connection).toBeUndefined();
      expect(answer.headers['strict-transport-security']).toStartWith('max-age=');
    }
    expect(conn.closed).toBe(false);
    conn.end();
  });

  test('ok: pipelined requests in one write are answered in order, the slow first one before the fast second', async () => {
    const conn = await RawConnection.open(server.port);
    conn.send(`${get('/slow?ms=400')}${get('/fast')}${get('/third')}`);
    const bodies = [(await conn.next()).body.toString(), (await conn.next()).body.toString(), (await conn.next()).body.toString()];
    expect(bodies).toEqual(['GET /slow 0', 'GET /fast 0', 'GET /third 0']);
    conn.end();
  });

  test('ok: a POST with its body and a GET pipelined in one write: each gets its own bytes', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    conn.send(`POST /posted HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 11\r\n\r\nhello world${get('/behind')}`);
    expect([(await conn.next()).body.toString(), (await conn.next()).body.toString()]).toEqual(['POST /posted 11', 'GET /behind 0']);
    expect(seen.slice(before).map((request) => [request.path, request.body])).toEqual([
      ['/posted', 'hello world'],
      ['/behind', ''],
    ]);
    conn.end();
  });

  test('ok: 600 pipelined requests (more than a head limit of bytes, while the first is slow) are all answered in order', async () => {
    const conn = await RawConnection.open(server.port);
    const paths = Array.from({ length: 600 }, (_, index) => `/p${index}`);
    conn.send(`${get('/slow?ms=200')}${paths.map((path) => get(path)).join('')}`);
    expect((await conn.next()).body.toString()).toBe('GET /slow 0');
    const bodies: string[] = [];
    for (let index = 0; index < paths.length; index++) bodies.push((await conn.next()).body.toString());
    expect(bodies).toEqual(paths.map((path) => `GET ${path} 0`));
    conn.end();
  });

  test('ok: Connection: close is answered with connection: close, then the server closes; nothing after it is read', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    conn.send(`${get('/last', 'Connection: close\r\n')}${get('/after-close')}`);
    const answer = await conn.next();
    expect([answer.status, answer.body.toString(), answer.headers.connection]).toEqual([200, 'GET /last 0', 'close']);
    expect(await conn.closedWithin(10_000)).toBe(true);
    expect(conn.leftover).toBe(0);
    expect(seen.slice(before).map((request) => request.path)).toEqual(['/last']);
  });

  test('ok: an HTTP/1.0 request is answered, then the connection closed', async () => {
    const conn = await RawConnection.open(server.port);
    conn.send('GET /old HTTP/1.0\r\n\r\n');
    const answer = await conn.next();
    expect([answer.status, answer.body.toString(), answer.headers.connection]).toEqual([200, 'GET /old 0', 'close']);
    expect(await conn.closedWithin(10_000)).toBe(true);
  });

  test('ok: HTTP/1.0 with Connection: keep-alive is answered with connection: keep-alive and keeps the connection', async () => {
    const conn = await RawConnection.open(server.port);
    for (const path of ['/old', '/old-again']) {
      conn.send(`GET ${path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
      const answer = await conn.next();
      expect([answer.status, answer.body.toString(), answer.headers.connection]).toEqual([200, `GET ${path} 0`, 'keep-alive']);
    }
    // An HTTP/1.1 request after them is kept alive by default, and its answer says nothing.
    conn.send(get('/then'));
    const then = await conn.next();
    expect([then.body.toString(), then.headers.connection]).toEqual(['GET /then 0', undefined]);
    expect(conn.closed).toBe(false);
    conn.end();
  });

  test('ok: one CRLF before a request line is ignored, at the start of a connection and after a body', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    conn.send(`\r\n${get('/after-crlf')}`);
    expect((await conn.next()).body.toString()).toBe('GET /after-crlf 0');
    conn.send(`POST /crlf-body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc\r\n${get('/after-body-crlf')}`);
    expect([(await conn.next()).body.toString(), (await conn.next()).body.toString()]).toEqual(['POST /crlf-body 3', 'GET /after-body-crlf 0']);
    expect(seen.slice(before).map((request) => [request.path, request.body])).toEqual([
      ['/after-crlf', ''],
      ['/crlf-body', 'abc'],
      ['/after-body-crlf', ''],
    ]);
    conn.end();
  });

  test('ok: the hardening headers are sent once, also when the handler sets them itself', async () => {
    const conn = await RawConnection.open(server.port);
    conn.send(`${get('/plain')}${get('/own-headers')}`);
    const plain = await conn.next();
    expect([plain.headers['x-content-type-options'], plain.headers['strict-transport-security']]).toEqual(['nosniff', 'max-age=31536000']);
    const own = await conn.next();
    expect(own.headers['x-content-type-options']).toBe('nosniff');
    expect(own.headers['strict-transport-security']).toMatch(/^max-age=\d+$/);
    expect(own.headers['set-cookie']).toBe('a=1');
    conn.end();
  });

  test('ok: HEAD gets the content-length of the GET and no body; the next answer on the connection is framed right', async () => {
    const conn = await RawConnection.open(server.port);
    conn.send(`HEAD /headed HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n${get('/after-head')}`);
    const head = await conn.next(true);
    expect([head.status, head.headers['content-length']]).toEqual([200, String('HEAD /headed 0'.length)]);
    const after = await conn.next();
    expect([after.status, after.body.toString()]).toEqual([200, 'GET /after-head 0']);
    expect(conn.leftover).toBe(0);
    conn.end();
  });

  test('ok: a HEAD the handler answers with no body but its own content-length keeps that content-length', async () => {
    const conn = await RawConnection.open(server.port);
    conn.send(`HEAD /declared HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n${get('/after-declared')}`);
    expect((await conn.next(true)).headers['content-length']).toBe('42');
    expect((await conn.next()).body.toString()).toBe('GET /after-declared 0');
    conn.end();
  });

  test('ok: a 3 MB answer to a client that stops reading for a while arrives whole, and the connection goes on', async () => {
    const conn = await RawConnection.open(server.port);
    conn.send(get('/big'));
    // The client reads nothing for a moment: the server's writes fill the socket and wait for drain.
    conn.socket.pause();
    await Bun.sleep(300);
    conn.socket.resume();
    const answer = await conn.next(false, 30_000);
    expect([answer.status, answer.headers['content-length'], answer.body.length]).toEqual([200, String(BIG.length), BIG.length]);
    expect(sha(answer.body)).toBe(sha(BIG));
    conn.send(get('/after-big'));
    expect((await conn.next()).body.toString()).toBe('GET /after-big 0');
    conn.end();
  });
});

describe('refusals', () => {
  test('rejects: Content-Length with Transfer-Encoding is 400 MALFORMED_REQUEST and a close; the bytes after it are never served', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    const smuggled = get('/smuggled');
    conn.send(`POST /front HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${5 + smuggled.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`);
    const answer = await conn.next();
    expect([answer.status, answer.headers.connection, answer.headers['content-type']]).toEqual([400, 'close', 'application/json']);
    const json = JSON.parse(answer.body.toString());
    expect(json.error.code).toBe('MALFORMED_REQUEST');
    expect(json.error.requestId).toBe(answer.headers['x-request-id']);
    expect(await conn.closedWithin(10_000)).toBe(true);
    expect(conn.leftover).toBe(0);
    expect(seen.length).toBe(before);
  });

  test('rejects: a 20 KB header is 431 HEADERS_TOO_LARGE; 8 KB passes', async () => {
    const before = seen.length;
    const small = await RawConnection.open(server.port);
    small.send(get('/small-header', `X-Big: ${'a'.repeat(8000)}\r\n`));
    expect((await small.next()).status).toBe(200);
    small.end();
    const conn = await RawConnection.open(server.port);
    conn.send(get('/big-header', `X-Big: ${'a'.repeat(20_000)}\r\n`));
    const answer = await conn.next();
    expect([answer.status, JSON.parse(answer.body.toString()).error.code]).toEqual([431, 'HEADERS_TOO_LARGE']);
    expect(await conn.closedWithin(10_000)).toBe(true);
    expect(seen.slice(before).map((request) => request.path)).toEqual(['/small-header']);
  });

  test('rejects: a Host that is no valid authority is 400 MALFORMED_REQUEST (not 500 INTERNAL), and nothing reaches onError', async () => {
    const [before, errorsBefore] = [seen.length, errors.length];
    for (const host of ['[', 'x:99999', 'a:b:c']) {
      const conn = await RawConnection.open(server.port);
      conn.send(get('/bad-host').replace('Host: 127.0.0.1', `Host: ${host}`));
      const answer = await conn.next();
      expect([host, answer.status, JSON.parse(answer.body.toString()).error.code]).toEqual([host, 400, 'MALFORMED_REQUEST']);
      conn.end();
    }
    expect(seen.length).toBe(before);
    expect(errors.slice(errorsBefore)).toEqual([]);
  });

  test('rejects: two CRLFs before a request line are 400 MALFORMED_REQUEST and a close', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    conn.send(`\r\n\r\n${get('/after-two-crlf')}`);
    const answer = await conn.next();
    expect([answer.status, JSON.parse(answer.body.toString()).error.code]).toEqual([400, 'MALFORMED_REQUEST']);
    expect(await conn.closedWithin(10_000)).toBe(true);
    expect(seen.length).toBe(before);
  });

  test('rejects: a method in lower case (get, head) is 400 MALFORMED_REQUEST, never served as GET or HEAD', async () => {
    const before = seen.length;
    for (const method of ['get', 'head']) {
      const conn = await RawConnection.open(server.port);
      conn.send(`${method} /lower-case HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      const answer = await conn.next();
      expect([method, answer.status, JSON.parse(answer.body.toString()).error.code]).toEqual([method, 400, 'MALFORMED_REQUEST']);
      expect(await conn.closedWithin(10_000)).toBe(true);
    }
    expect(seen.length).toBe(before);
  });

  test('rejects: a HEAD the front refuses (bad Host) gets the status and the content-length of the envelope, and no body byte', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    conn.send('HEAD /bad-host-head HTTP/1.1\r\nHost: [\r\n\r\n');
    const answer = await conn.next(true);
    expect([answer.status, answer.headers['content-type'], answer.headers.connection]).toEqual([400, 'application/json', 'close']);
    expect(Number(answer.headers['content-length'])).toBeGreaterThan(0);
    // Everything the server sent before closing: nothing follows the blank line.
    expect(await conn.closedWithin(10_000)).toBe(true);
    expect(conn.leftover).toBe(0);
    expect(seen.length).toBe(before);
  });

  test('rejects: after a HEAD on the connection, a refused GET still gets its envelope body (the method is per request)', async () => {
    for (const refused of [get('/bad-host').replace('Host: 127.0.0.1', 'Host: ['), get('/no-colon', 'no colon here\r\n')]) {
      const conn = await RawConnection.open(server.port);
      conn.send('HEAD /headed HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expect((await conn.next(true)).status).toBe(200);
      conn.send(refused);
      const answer = await conn.next();
      expect([answer.status, JSON.parse(answer.body.toString()).error.code]).toEqual([400, 'MALFORMED_REQUEST']);
      expect(answer.body.length).toBe(Number(answer.headers['content-length']));
      expect(await conn.closedWithin(10_000)).toBe(true);
      expect(conn.leftover).toBe(0);
    }
  });

  test('rejects: a handler that throws gets the 500 INTERNAL envelope and a close; onError hears of it', async () => {
    const errorsBefore = errors.length;
    const conn = await RawConnection.open(server.port);
    conn.send(get('/throw'));
    const answer = await conn.next();
    expect([answer.status, JSON.parse(answer.body.toString()).error.code, answer.headers.connection]).toEqual([500, 'INTERNAL', 'close']);
    expect(await conn.closedWithin(10_000)).toBe(true);
    expect(errors.slice(errorsBefore).map(String)).toEqual(['Error: handler failed']);
  });

  test('rejects: the HTTP/2 preface over an http/1.1 connection is 400 and a close', async () => {
    const conn = await RawConnection.open(server.port);
    conn.send('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect((await conn.next()).status).toBe(400);
    expect(await conn.closedWithin(10_000)).toBe(true);
  });

  test('rejects: a declared body over maxBodyBytes is 413 before any body byte is sent', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    conn.send(`POST /huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${1024 * 1024}\r\n\r\n`);
    const answer = await conn.next();
    expect([answer.status, JSON.parse(answer.body.toString()).error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await conn.closedWithin(10_000)).toBe(true);
    expect(seen.length).toBe(before);
  });
});

describe('bodies', () => {
  test('ok: Expect: 100-continue gets 100 Continue before the body is sent, then the answer', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    conn.send('POST /expect HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
    const interim = await conn.next();
    expect(interim.status).toBe(100);
    expect(seen.length).toBe(before);
    conn.send('hello');
    const answer = await conn.next();
    expect([answer.status, answer.body.toString()]).toEqual([200, 'POST /expect 5']);
    expect(seen.at(-1)?.body).toBe('hello');
    conn.end();
  });

  test('rejects: Expect: 100-continue with a declared body over the limit gets 413 and no 100 Continue', async () => {
    const conn = await RawConnection.open(server.port);
    conn.send(`POST /expect HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: ${1024 * 1024}\r\n\r\n`);
    expect((await conn.next()).status).toBe(413);
    expect(await conn.closedWithin(10_000)).toBe(true);
  });

  test('ok: a chunked POST from fetch (a stream body) reaches the handler whole, with its content-length and no transfer-encoding', async () => {
    const before = seen.length;
    const parts = ['first part, ', 'second part, ', 'x'.repeat(20_000)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });
    const response = await fetch(`https://127.0.0.1:${server.port}/chunked`, { method: 'POST', body: stream, tls: { ca: pemA.cert } } as RequestInit);
    const total = parts.join('').length;
    expect([response.status, await response.text()]).toEqual([200, `POST /chunked ${total}`]);
    expect(seen.slice(before)).toMatchObject([{ path: '/chunked', bytes: total, body: parts.join(''), length: String(total), coding: null }]);
  });

  test('ok: a raw chunked body with extensions and trailers, sent in pieces, then the next request on the connection', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    conn.send('POST /raw-chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel');
    await Bun.sleep(50);
    conn.send('lo\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n');
    expect((await conn.next()).body.toString()).toBe('POST /raw-chunked 11');
    conn.send(get('/after-chunked'));
    expect((await conn.next()).body.toString()).toBe('GET /after-chunked 0');
    expect(seen.slice(before).map((request) => [request.path, request.body, request.length])).toEqual([
      ['/raw-chunked', 'hello world', '11'],
      ['/after-chunked', '', null],
    ]);
    conn.end();
  });

  test('ok: 50,000 one-byte chunks reach the handler as the 50,000 bytes in order, with content-length: 50000', async () => {
    const before = seen.length;
    const data = Array.from({ length: 50_000 }, (_, index) => String.fromCharCode(97 + (index % 26))).join('');
    const chunks = Array.from(data, (char) => `1\r\n${char}\r\n`).join('');
    const conn = await RawConnection.open(server.port);
    conn.send(`POST /one-byte-chunks HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`);
    expect((await conn.next()).body.toString()).toBe('POST /one-byte-chunks 50000');
    const [request] = seen.slice(before);
    expect([request?.path, request?.bytes, request?.length, request?.coding]).toEqual(['/one-byte-chunks', 50_000, '50000', null]);
    expect(request?.body === data).toBe(true);
    conn.end();
  });

  test('ok: two identical Content-Length: 3 fields reach the handler as one content-length: 3, with the 3 bytes', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    conn.send(`POST /twice-length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc${get('/after-twice')}`);
    expect([(await conn.next()).body.toString(), (await conn.next()).body.toString()]).toEqual(['POST /twice-length 3', 'GET /after-twice 0']);
    expect(seen.slice(before).map((request) => [request.path, request.body, request.length])).toEqual([
      ['/twice-length', 'abc', '3'],
      ['/after-twice', '', null],
    ]);
    conn.end();
  });

  test('rejects: a malformed chunk size is 400 and a close, the handler never runs', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(server.port);
    conn.send('POST /bad-chunk HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n');
    expect((await conn.next()).status).toBe(400);
    expect(await conn.closedWithin(10_000)).toBe(true);
    expect(seen.length).toBe(before);
  });
});

describe('time-outs', () => {
  let quick: SecureServer;
  beforeAll(async () => {
    quick = await start({ headersTimeoutMs: 300 });
  });

  test('rejects: a client that sends half a head and goes silent is closed after headersTimeoutMs', async () => {
    const conn = await RawConnection.open(quick.port);
    conn.send('GET /half HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(await conn.closedWithin(10_000)).toBe(true);
  });

  test('rejects: a kept-alive connection left idle is closed after headersTimeoutMs; a prompt client is served', async () => {
    const conn = await RawConnection.open(quick.port);
    conn.send(get('/prompt'));
    expect((await conn.next()).body.toString()).toBe('GET /prompt 0');
    expect(await conn.closedWithin(10_000)).toBe(true);
  });

  test('rejects: a client that sends a head and part of its body, then goes silent, is closed', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(quick.port);
    conn.send('POST /half-body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nhalf');
    expect(await conn.closedWithin(10_000)).toBe(true);
    expect(seen.length).toBe(before);
  });

  test('ok: a handler slower than headersTimeoutMs still answers; the time-out is for the client, not the handler', async () => {
    const conn = await RawConnection.open(quick.port);
    conn.send(get('/slow?ms=900'));
    expect((await conn.next()).body.toString()).toBe('GET /slow 0');
    conn.end();
  });

  test('rejects: a connection that never finishes its TLS handshake (silent, or a ClientHello cut short) is closed', async () => {
    const silent = await PlainConnection.open(quick.port);
    const cut = await PlainConnection.open(quick.port);
    // The start of a ClientHello record, and nothing more.
    cut.socket.write(Buffer.from([0x16, 0x03, 0x01]));
    const closed = [await silent.closedWithin(5000), await cut.closedWithin(5000)];
    silent.socket.end();
    cut.socket.end();
    expect(closed).toEqual([true, true]);
  });
});

describe('answers and closing connections under the deadline', () => {
  // Long enough that a loaded machine (the full suite) still reads a paused answer's last bytes in
  // time: the wait for the next request starts once the last bytes are handed to the socket, and up to
  // a kernel buffer of the answer may still be unread then. At 600 ms one full run cut the slow reader
  // 400 KB before the end.
  const DEADLINE_MS = 1500;
  /** The slow reader's pause every 4 MB: well under the deadline; together, more than it. */
  const PAUSE_MS = 200;
  let deadlines: SecureServer;
  beforeAll(async () => {
    deadlines = await start({ headersTimeoutMs: DEADLINE_MS });
  });

  test('rejects: a client that stops reading a 63 MB answer is closed once headersTimeoutMs passes without progress', async () => {
    const conn = await RawConnection.open(deadlines.port);
    // Never read: the socket buffers fill and the server's writes stop making progress.
    conn.socket.pause();
    conn.send(get('/huge'));
    expect(await conn.closedWithin(15_000)).toBe(true);
  });

  test('ok: a client that reads a 63 MB answer slowly but steadily (a pause shorter than the deadline every 4 MB) gets it whole and keeps the connection', async () => {
    const socket = await connectTls(deadlines.port);
    socket.on('error', () => {});
    let sincePause = 0;
    let pauses = 0;
    socket.write(get('/huge'));
    const answer = await readLarge(socket, (bytes) => {
      sincePause += bytes;
      if (sincePause < 4 * 1024 * 1024) return;
      sincePause = 0;
      pauses++;
      socket.pause();
      setTimeout(() => socket.resume(), PAUSE_MS);
    });
    const expected = hugeAnswer();
    expect([answer.status, answer.headers['content-length'], answer.bytes]).toEqual([200, String(expected.length), expected.length]);
    expect(answer.sha).toBe(sha(expected));
    // Its pauses alone add up to more than the deadline: only its progress kept the connection.
    expect(pauses * PAUSE_MS).toBeGreaterThan(DEADLINE_MS);
    socket.resume();
    socket.write(get('/after-huge'));
    const after = await readLarge(socket);
    expect([after.status, after.sha]).toEqual([200, sha(Buffer.from('GET /after-huge 0'))]);
    socket.destroy();
  });

  test('ok: after Connection: close the server closes the TCP connection even when the client never closes its side', async () => {
    // allowHalfOpen: the client does not close when the server ends its side; only the server can.
    const conn = await RawConnection.open(deadlines.port, { allowHalfOpen: true } as ConnectionOptions);
    conn.send(get('/last-half-open', 'Connection: close\r\n'));
    const answer = await conn.next();
    expect([answer.status, answer.headers.connection]).toEqual([200, 'close']);
    expect(await conn.closedWithin(5000)).toBe(true);
    conn.end();
  });
});

describe('close', () => {
  test('ok: close() ends every connection: kept-alive, mid-request and mid-handshake', async () => {
    const closing = await start();
    const kept = await RawConnection.open(closing.port);
    kept.send(get('/kept'));
    expect((await kept.next()).status).toBe(200);
    const midRequest = await RawConnection.open(closing.port);
    midRequest.send('GET /mid HTTP/1.1\r\n');
    const midHandshake = await PlainConnection.open(closing.port);
    await Bun.sleep(100);
    await closing.close();
    const closed = [await kept.closedWithin(5000), await midRequest.closedWithin(5000), await midHandshake.closedWithin(5000)];
    midHandshake.socket.end();
    expect(closed).toEqual([true, true, true]);
  });
});

describe('client certificates', () => {
  /** The peer the handler saw for a request with `cert` (or none). */
  async function peerWith(cert: { cert: string; key: string } | undefined): Promise<{ authorized: boolean; cn: string | null }> {
    const response = await fetch(`https://127.0.0.1:${server.port}/peer`, { tls: { ca: pemA.cert, ...(cert ?? {}) } } as RequestInit);
    return response.json() as Promise<{ authorized: boolean; cn: string | null }>;
  }

  test('ok: a certificate signed by the CA is authorized, with its subject CN', async () => {
    expect(await peerWith(client)).toEqual({ authorized: true, cn: 'agent-one' });
  });

  test('rejects: no certificate, or a stranger CA with the same names, is not authorized (and still served)', async () => {
    expect(await peerWith(undefined)).toEqual({ authorized: false, cn: null });
    expect((await peerWith(strangerClient)).authorized).toBe(false);
  });

  test('ok: each connection keeps its own peer (a certified and an anonymous one side by side)', async () => {
    const [certified, anonymous] = await Promise.all([RawConnection.open(server.port, client), RawConnection.open(server.port)]);
    for (let round = 0; round < 2; round++) {
      certified.send(get('/peer'));
      anonymous.send(get('/peer'));
      expect(JSON.parse((await certified.next()).body.toString())).toEqual({ authorized: true, cn: 'agent-one' });
      expect(JSON.parse((await anonymous.next()).body.toString())).toEqual({ authorized: false, cn: null });
    }
    certified.end();
    anonymous.end();
  });
});

describe('ALPN', () => {
  test('rejects: an HTTP/2-only client cannot connect', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const session = http2.connect(`https://127.0.0.1:${server.port}`, { ca: pemA.cert });
      session.on('connect', () => (session.close(), resolve('connected')));
      session.on('error', (error) => (session.destroy(), resolve(`error: ${error.message}`)));
      setTimeout(() => (session.destroy(), resolve('timeout')), 10_000);
    });
    expect(outcome).toStartWith('error');
  });

  test('ok: a client offering h2 and http/1.1 negotiates http/1.1; one offering nothing is served too', async () => {
    const both = await RawConnection.open(server.port, { ALPNProtocols: ['h2', 'http/1.1'] });
    expect(both.socket.alpnProtocol).toBe('http/1.1');
    both.send(get('/alpn'));
    expect((await both.next()).status).toBe(200);
    both.end();
    const none = await RawConnection.open(server.port, { ALPNProtocols: [] });
    none.send(get('/no-alpn'));
    expect((await none.next()).status).toBe(200);
    none.end();
  });
});

describe('setTls', () => {
  test('ok: new connections get the new certificate; a kept-alive connection from before goes on working', async () => {
    const swapping = await start();
    const old = await RawConnection.open(swapping.port);
    expect(old.socket.getPeerCertificate().fingerprint256).toBe(fingerprintOf(pemA.cert));
    old.send(get('/before-swap'));
    expect((await old.next()).status).toBe(200);

    swapping.setTls({ ...pemB, ca: ca.caPem });
    const fresh = await RawConnection.open(swapping.port);
    expect(fresh.socket.getPeerCertificate().fingerprint256).toBe(fingerprintOf(pemB.cert));
    fresh.send(get('/after-swap'));
    expect((await fresh.next()).status).toBe(200);
    old.send(get('/old-after-swap'));
    expect((await old.next()).body.toString()).toBe('GET /old-after-swap 0');
    old.end();
    fresh.end();
  });

  test('rejects: a certificate and a key that do not match: setTls throws naming the mismatch, new connections keep the old certificate', async () => {
    const swapping = await start();
    const before = await RawConnection.open(swapping.port);
    expect(before.socket.getPeerCertificate().fingerprint256).toBe(fingerprintOf(pemA.cert));
    before.end();
    expect(() => swapping.setTls({ cert: pemB.cert, key: pemA.key, ca: ca.caPem })).toThrow('do not match');
    const after = await RawConnection.open(swapping.port);
    expect(after.socket.getPeerCertificate().fingerprint256).toBe(fingerprintOf(pemA.cert));
    after.send(get('/after-refused-swap'));
    expect((await after.next()).body.toString()).toBe('GET /after-refused-swap 0');
    after.end();
  });

  test('ok: a new CA applies to new connections: the stranger becomes authorized, the old CA no longer', async () => {
    const swapping = await start();
    const peerOver = async (cert: { cert: string; key: string }) => {
      const conn = await RawConnection.open(swapping.port, cert);
      conn.send(get('/peer'));
      const peer = JSON.parse((await conn.next()).body.toString());
      conn.end();
      return peer.authorized;
    };
    expect([await peerOver(client), await peerOver(strangerClient)]).toEqual([true, false]);
    swapping.setTls({ ...pemA, ca: stranger.caPem });
    expect([await peerOver(client), await peerOver(strangerClient)]).toEqual([false, true]);
  });
});

describe('TLS policy', () => {
  /** openssl s_client's output for one handshake with these flags (spawned, so this process's server can answer). */
  async function handshake(flags: string[]): Promise<string> {
    const child = Bun.spawn(['openssl', 's_client', '-connect', `127.0.0.1:${server.port}`, ...flags], { stdin: new TextEncoder().encode('Q\n'), stdout: 'pipe', stderr: 'pipe' });
    const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    return `${stdout}${stderr}`;
  }

  test('rejects: TLS 1.1 (the server answers with a protocol version alert); ok: TLS 1.2 and 1.3', async () => {
    const old = await handshake(['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    expect(old).toContain('alert protocol version');
    expect(old).toContain('Cipher is (NONE)');
    expect(await handshake(['-tls1_2'])).toContain('New, TLSv1.2, Cipher is ECDHE-');
    expect(await handshake(['-tls1_3'])).toContain('New, TLSv1.3, Cipher is TLS_');
  });

  test('rejects: TLS 1.2 CBC and SHA-1 suites; ok: ECDHE-ECDSA AES-GCM and ChaCha20', async () => {
    for (const weak of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384']) {
      const output = await handshake(['-tls1_2', '-cipher', weak]);
      expect(output).toContain('alert handshake failure');
      expect(output).not.toContain(`Cipher is ${weak}`);
    }
    for (const good of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305']) expect(await handshake(['-tls1_2', '-cipher', good])).toContain(`Cipher is ${good}`);
  });

  test("ok: TLS 1.2 suites are picked in the server's order, not the client's", async () => {
    // The ECDHE-ECDSA suites apply because the test certificate's key is an EC key.
    expect(new X509Certificate(pemA.cert).publicKey.asymmetricKeyType).toBe('ec');
    const ciphers = 'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256';
    const conn = await RawConnection.open(server.port, { ciphers, maxVersion: 'TLSv1.2' });
    expect([conn.socket.getProtocol(), conn.socket.getCipher().name]).toEqual(['TLSv1.2', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
    conn.end();
  });
});

describe('node front (chosen by an SNI callback)', () => {
  let nodeFront: SecureServer;
  beforeAll(async () => {
    const opts: SecureServerOptions = { host: '127.0.0.1', port: 0, tls: tlsA(), maxBodyBytes: 64 * 1024, handle, sniContext: () => undefined };
    expect(frontFor(opts)).toBe('node');
    nodeFront = await startSecureServer(opts);
    servers.push(nodeFront);
  });

  test('rejects: an absolute-form target is 400 MALFORMED_REQUEST whatever the Host, and the handler never runs', async () => {
    const before = seen.length;
    const conn = await RawConnection.open(nodeFront.port);
    conn.send('GET http://evil.example/x HTTP/1.1\r\nHost: good.example\r\n\r\n');
    // node:http frames its refusal chunked, then closes: read it whole.
    const answer = await conn.untilClosed();
    expect(answer).toStartWith('HTTP/1.1 400 ');
    expect(answer).toContain('"code":"MALFORMED_REQUEST"');
    expect(seen.length).toBe(before);
  });

  test('ok: a 204 answer over HTTP/1.1 carries no content-length (on both fronts), and the connection goes on', async () => {
    for (const front of [nodeFront, server]) {
      const conn = await RawConnection.open(front.port);
      conn.send(`${get('/no-content')}${get('/after-no-content')}`);
      const answer = await conn.next();
      expect([answer.status, answer.headers['content-length']]).toEqual([204, undefined]);
      expect((await conn.next()).body.toString()).toBe('GET /after-no-content 0');
      conn.end();
    }
  });
});
