/**
 * The native TLS front: Bun's own sockets (`Bun.listen`, each connection upgraded to TLS with the
 * options current at accept time) and a strict HTTP/1.1 reader (h1-parser.ts), handing each request
 * to the fetch-style handler with the verified peer attached. Bun.serve runs at the same speed but
 * cannot show the handler which certificate a client presented; Bun's TLS socket can
 * (`getPeerCertificate`, `authorized`).
 *
 * What it takes on:
 * - One request at a time per connection, answered in order; bytes a client pipelines meanwhile wait
 *   (reading pauses past one request head's worth).
 * - A complete request (head and body) must arrive within `headersTimeoutMs` of the connection or of
 *   the previous answer, the TLS handshake included; a silent or slow client is closed.
 * - Body limits per path are applied before the body is read (a declared length over the limit is
 *   refused at once) and while a chunked body arrives; gzip is inflated under the same limit.
 * - Anything the reader refuses is answered with the JSON envelope and the connection is closed, so a
 *   request the front did not understand can never be read as the start of another.
 * - HTTP/1.1 only: ALPN offers `http/1.1`, and the HTTP/2 preface is a malformed request.
 */
import type { Socket, TCPSocketListener } from 'bun';
import { constants, createPrivateKey, X509Certificate } from 'node:crypto';
import { ApiError } from '../errors.ts';
import { attachConnectionInfo, type PeerCertificate } from './connection-info.ts';
import { ChunkedReader, HeadError, parseHead, type RequestHead } from './h1-parser.ts';
import { checkBodyHead, inflateBody, tooLarge, type BodyRule } from './request-body.ts';
import {
  answerFields,
  bodyRule,
  HEADERS_TIMEOUT_MS,
  MAX_HEADER_BYTES,
  normaliseAddress,
  refusalBody,
  requestUrl,
  TLS_POLICY,
  type SecureServer,
  type SecureServerOptions,
  type TlsMaterial,
} from './server-options.ts';

/** BoringSSL's number for TLS 1.2, Bun's form of `minVersion`. */
const TLS1_2 = 0x0303;
/** ALPN in wire form: one protocol, `http/1.1`. */
const ALPN_HTTP1 = Buffer.concat([Buffer.from([8]), Buffer.from('http/1.1')]);
/**
 * Reason phrases of the statuses the programs answer with. Clients read only the code (the phrase may
 * be empty, RFC 9112 section 4); node:http's table would cost 8 MB and 12 ms to load for this alone.
 */
const REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Content',
  423: 'Locked',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A connection the front ended (close_notify sent) is cut this long after if the client keeps it open. */
const CLOSE_GRACE_MS = 2000;

/** Answers up to this size go out in one write with their head; larger ones as head, then body. */
const ONE_WRITE_BYTES = 64 * 1024;

/** A request whose head has been read, while its body arrives. */
interface Incoming {
  head: RequestHead;
  url: string;
  rule: BodyRule;
  gzip: boolean;
  parts: Buffer[];
  bytes: number;
  chunked?: ChunkedReader;
}

/** One client connection. */
interface Connection {
  /** Bytes received and not yet read as a request. */
  buffer: Buffer | undefined;
  incoming: Incoming | undefined;
  /** Reading a request; the handler has one; or its answer is being written. */
  phase: 'reading' | 'handling' | 'answering';
  /** Answer bytes the socket has not taken yet. */
  unsent: Uint8Array[];
  /** Close once the answer is out. */
  closeAfter: boolean;
  /**
   * When the connection is closed unless something happens (ms since epoch): the next complete request
   * must have arrived by then, an answer being written must make progress, a closing connection must be
   * gone; 0 while the handler has the request.
   */
  deadline: number;
  /** The method of the request being read or answered (a HEAD's refusal carries no body). */
  method: string | undefined;
  /** An HTTP/1.0 client asked to keep the connection: its answers say so. */
  keepAlive10: boolean;
  peer: PeerCertificate | undefined;
  closed: boolean;
  /**
   * The TCP socket under the TLS one: ending the TLS socket sends only close_notify, and terminating it
   * once ended does nothing, so a client that ignores close_notify is cut here.
   */
  tcp: { terminate(): void } | undefined;
}

type Tls = Socket<Connection>;

export function startNativeFront(opts: SecureServerOptions): Promise<SecureServer> {
  const headersMs = opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  let tlsOptions = tlsOptionsOf(opts.tls, opts.requestCert ?? true);
  const open = new Set<Tls>();

  const handlers = {
    data(socket: Tls, chunk: Buffer) {
      received(socket, chunk);
    },
    drain(socket: Tls) {
      flush(socket);
    },
    close(socket: Tls) {
      socket.data.closed = true;
      open.delete(socket);
    },
    // A failed handshake or a reset: nothing to answer, the socket closes.
    error() {},
  };

  function received(socket: Tls, chunk: Buffer): void {
    const conn = socket.data;
    if (conn.closed || conn.closeAfter) return;
    // Each chunk is a buffer of its own (Bun does not reuse it), so bodies may point into it.
    conn.buffer = conn.buffer ? Buffer.concat([conn.buffer, chunk]) : chunk;
    if (conn.phase !== 'reading') {
      if (conn.buffer.length > MAX_HEADER_BYTES) socket.pause();
      return;
    }
    pump(socket);
  }

  /** Reads requests from the buffer until one is complete (then hands it over) or more bytes are needed. */
  function pump(socket: Tls): void {
    const conn = socket.data;
    while (conn.phase === 'reading' && !conn.closeAfter && conn.buffer) {
      if (!conn.incoming) {
        let head: RequestHead | undefined;
        try {
          head = parseHead(conn.buffer, MAX_HEADER_BYTES);
        } catch (error) {
          const tooBig = error instanceof HeadError && error.tooLarge;
          refuse(socket, tooBig ? new ApiError(431, 'HEADERS_TOO_LARGE', 'request headers are too large') : new ApiError(400, 'MALFORMED_REQUEST', 'malformed HTTP request'));
          return;
        }
        if (!head) return;
        conn.buffer = rest(conn.buffer, head.headBytes);
        conn.method = head.method;
        conn.keepAlive10 = head.minor === 0 && !head.close;
        const started = startIncoming(socket, head);
        if (started instanceof ApiError) {
          refuse(socket, started);
          return;
        }
        conn.incoming = started;
        if (head.expectContinue && head.body.kind !== 'none') write(socket, [Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1')]);
      }
      const incoming = conn.incoming;
      const outcome = readBody(incoming, conn);
      if (outcome === 'more') return;
      if (outcome instanceof ApiError) {
        refuse(socket, outcome);
        return;
      }
      conn.incoming = undefined;
      conn.phase = 'handling';
      conn.deadline = 0;
      conn.closeAfter = incoming.head.close;
      dispatch(socket, incoming).catch((error) => {
        opts.onError?.(error);
        if (!conn.closed) refuse(socket, new ApiError(500, 'INTERNAL', 'internal error'));
      });
    }
  }

  /** The head's URL, peer and body rule; a refusal when the body is refused from the head alone. */
  function startIncoming(socket: Tls, head: RequestHead): Incoming | ApiError {
    const url = requestUrl(head.fields.find(([name]) => name === 'host')?.[1], head.target === '*' ? '/' : head.target);
    if (url === undefined) return new ApiError(400, 'MALFORMED_REQUEST', 'malformed HTTP request: the Host is no valid authority');
    const query = head.target.indexOf('?');
    const path = query < 0 ? head.target : head.target.slice(0, query);
    const peer = peerOf(socket);
    const rule = bodyRule(opts, path, peer.authorized);
    const encoding = head.fields.filter(([name]) => name === 'content-encoding').map(([, value]) => value);
    const checked = checkBodyHead(encoding, head.body.kind === 'length' ? head.body.bytes : 0, rule);
    if ('refusal' in checked) return checked.refusal;
    return { head, url, rule, gzip: checked.gzip, parts: [], bytes: 0, ...(head.body.kind === 'chunked' ? { chunked: new ChunkedReader() } : {}) };
  }

  /** Moves body bytes from the buffer into the request: 'more' until it is complete, or a refusal. */
  function readBody(incoming: Incoming, conn: Connection): 'more' | 'done' | ApiError {
    const framing = incoming.head.body;
    if (framing.kind === 'none') return 'done';
    const buffer = conn.buffer;
    if (framing.kind === 'length') {
      if (!buffer) return 'more';
      const take = Math.min(framing.bytes - incoming.bytes, buffer.length);
      incoming.parts.push(buffer.subarray(0, take));
      incoming.bytes += take;
      conn.buffer = rest(buffer, take);
      return incoming.bytes === framing.bytes ? 'done' : 'more';
    }
    const reader = incoming.chunked!;
    if (!buffer) return 'more';
    let used: number;
    try {
      used = reader.feed(buffer);
    } catch {
      return new ApiError(400, 'MALFORMED_REQUEST', 'malformed chunked request body');
    }
    conn.buffer = rest(buffer, used);
    if (reader.received > incoming.rule.maxBytes) return tooLarge(incoming.rule, '').refusal;
    if (!reader.done) return 'more';
    incoming.parts = [reader.body()];
    incoming.bytes = reader.received;
    return 'done';
  }

  async function dispatch(socket: Tls, incoming: Incoming): Promise<void> {
    const { head, rule } = incoming;
    let body: Uint8Array = incoming.parts.length === 1 ? incoming.parts[0]! : Buffer.concat(incoming.parts);
    if (incoming.gzip) {
      const inflated = await inflateBody(body, rule);
      if ('refusal' in inflated) {
        refuse(socket, inflated.refusal);
        return;
      }
      body = inflated.body;
    }
    const headers = new Headers();
    for (const [name, value] of head.fields) headers.append(name, value);
    if (incoming.gzip || head.body.kind === 'chunked') {
      headers.delete('content-encoding');
      headers.delete('transfer-encoding');
    }
    // One length, the one read (repeats of the same Content-Length were taken as one).
    if (head.body.kind !== 'none' || incoming.gzip) headers.set('content-length', String(body.byteLength));
    const method = head.method;
    let request: Request;
    try {
      request = new Request(incoming.url, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' || body.byteLength === 0 ? undefined : (body as Uint8Array<ArrayBuffer>),
      });
    } catch {
      refuse(socket, new ApiError(400, 'MALFORMED_REQUEST', 'malformed HTTP request'));
      return;
    }
    attachConnectionInfo(request, { remoteAddress: normaliseAddress(socket.remoteAddress ?? ''), peer: peerOf(socket) });
    const response = await opts.handle(request);
    const payload = new Uint8Array(await response.arrayBuffer());
    // A HEAD answer carries the length the GET would have: the handler's, when it says so.
    const length = method === 'HEAD' ? Number(response.headers.get('content-length') ?? payload.byteLength) : payload.byteLength;
    answer(socket, response.status, answerFields(response, rule), method === 'HEAD' ? undefined : payload, length);
  }

  /** Writes an answer: status line, fields, framing, body (none for HEAD, 204 and 304). */
  function answer(socket: Tls, status: number, fields: [string, string][], payload: Uint8Array | undefined, length: number): void {
    const conn = socket.data;
    if (conn.closed) return;
    const bodiless = status === 204 || status === 304;
    let head = `HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\n`;
    for (const [name, value] of fields) head += `${name}: ${value}\r\n`;
    if (!bodiless) head += `content-length: ${length}\r\n`;
    if (conn.closeAfter) head += 'connection: close\r\n';
    else if (conn.keepAlive10) head += 'connection: keep-alive\r\n';
    head += '\r\n';
    const headBytes = Buffer.from(head, 'latin1');
    conn.phase = 'answering';
    conn.deadline = Date.now() + headersMs;
    const bytes = bodiless || !payload || payload.byteLength === 0 ? [headBytes] : payload.byteLength <= ONE_WRITE_BYTES ? [Buffer.concat([headBytes, payload])] : [headBytes, payload];
    write(socket, bytes);
  }

  /** Answers a refusal with the envelope and closes the connection once it is out; the rest is never read. */
  function refuse(socket: Tls, err: ApiError): void {
    const conn = socket.data;
    conn.closeAfter = true;
    conn.incoming = undefined;
    conn.buffer = undefined;
    conn.deadline = 0;
    const { requestId, body } = refusalBody(err);
    const fields: [string, string][] = [...answerFields(new Response(null, { headers: err.headers }), { maxBytes: 0, gzip: false }), ['content-type', 'application/json'], ['x-request-id', requestId]];
    const payload = Buffer.from(body);
    answer(socket, err.status, fields, conn.method === 'HEAD' ? undefined : payload, payload.byteLength);
  }

  function write(socket: Tls, chunks: Uint8Array[]): void {
    socket.data.unsent.push(...chunks);
    flush(socket);
  }

  /** Writes what the socket takes; the rest waits for drain. Once all is out, the next request may start. */
  function flush(socket: Tls): void {
    const conn = socket.data;
    while (conn.unsent.length) {
      const next = conn.unsent[0]!;
      const wrote = socket.write(next);
      if (wrote < 0 || conn.closed) return;
      if (wrote < next.byteLength) {
        conn.unsent[0] = next.subarray(wrote);
        // A reader that takes bytes keeps its connection; one that stops is closed at the deadline.
        if (wrote > 0) conn.deadline = Date.now() + headersMs;
        return;
      }
      conn.unsent.shift();
    }
    // A 100 Continue going out is not the answer: only an answer's last byte lets the next request start.
    if (conn.phase === 'answering') finished(socket);
  }

  function finished(socket: Tls): void {
    const conn = socket.data;
    if (conn.closeAfter) {
      socket.end();
      conn.deadline = Date.now() + CLOSE_GRACE_MS;
      return;
    }
    conn.phase = 'reading';
    conn.method = undefined;
    conn.deadline = Date.now() + headersMs;
    socket.resume();
    pump(socket);
  }

  // Connections past their deadline are closed; checked a few times per time-out, not per request.
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const socket of open) {
        if (socket.data.deadline === 0 || socket.data.deadline >= now) continue;
        open.delete(socket);
        cut(socket);
      }
    },
    Math.max(50, Math.min(1000, headersMs / 4)),
  );
  sweep.unref?.();

  let listener: TCPSocketListener<undefined>;
  try {
    listener = Bun.listen({
      hostname: opts.host,
      port: opts.port,
      exclusive: true,
      socket: {
        open(raw) {
          // Tracked from here, not from the TLS socket's own open (which runs once the handshake is
          // done), so the deadline covers the handshake and close() ends connections still in it.
          const [tcp, tls] = raw.upgradeTLS<Connection>({ tls: tlsOptions, socket: handlers, data: newConnection() });
          tls.data.tcp = tcp;
          open.add(tls);
          tls.data.deadline = Date.now() + headersMs;
        },
        // The raw socket sees the encrypted bytes too; the TLS socket above reads them.
        data() {},
        error() {},
      },
    });
  } catch (error) {
    clearInterval(sweep);
    return Promise.reject(error);
  }
  return Promise.resolve({
    port: listener.port,
    setTls: (tls) => {
      checkTlsMaterial(tls);
      tlsOptions = tlsOptionsOf(tls, opts.requestCert ?? true);
    },
    close: async () => {
      clearInterval(sweep);
      listener.stop(true);
      for (const socket of open) cut(socket);
      open.clear();
    },
  });
}

/** Closes a connection now: the TLS socket, and the TCP socket under it (see Connection.tcp). */
function cut(socket: Tls): void {
  socket.terminate();
  socket.data.tcp?.terminate();
}

function newConnection(): Connection {
  return {
    buffer: undefined,
    incoming: undefined,
    phase: 'reading',
    unsent: [],
    closeAfter: false,
    deadline: 0,
    method: undefined,
    keepAlive10: false,
    peer: undefined,
    closed: false,
    tcp: undefined,
  };
}

/** Bun's TLS options for accepted connections: the policy of TLS_POLICY, a certificate asked for but not required. */
function tlsOptionsOf(tls: TlsMaterial, requestCert: boolean) {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    requestCert,
    rejectUnauthorized: false,
    // upgradeTLS makes a client socket unless told otherwise (Bun's own node:tls server passes this too;
    // bun-types does not list it, so native-front.test.ts is what notices if it ever changes).
    isServer: true,
    minVersion: TLS1_2,
    ciphers: TLS_POLICY.ciphers,
    // TLS_POLICY.honorCipherOrder: the server's order of the suites wins.
    secureOptions: constants.SSL_OP_CIPHER_SERVER_PREFERENCE,
    ALPNProtocols: ALPN_HTTP1,
  } as unknown as import('bun').TLSOptions;
}

/**
 * New TLS material must be usable before it replaces the old: a certificate and a key that do not
 * match would fail every later handshake (node:tls refuses them the same way).
 * @throws Error naming what is wrong
 */
function checkTlsMaterial(tls: TlsMaterial): void {
  const certificate = new X509Certificate(tls.cert);
  if (!certificate.checkPrivateKey(createPrivateKey(tls.key))) throw new Error('the TLS certificate and key do not match');
  new X509Certificate(tls.ca);
}

/** The rest of `buffer` after `used` bytes, or undefined when nothing is left. */
function rest(buffer: Buffer, used: number): Buffer | undefined {
  return used >= buffer.length ? undefined : buffer.subarray(used);
}

/**
 * The connection's verified peer, read once: the certificate cannot change on a connection (TLS 1.3
 * has no renegotiation, and BoringSSL refuses a client's TLS 1.2 renegotiation).
 */
function peerOf(socket: Tls): PeerCertificate {
  const conn = socket.data;
  if (conn.peer) return conn.peer;
  const cert = socket.getPeerCertificate();
  const present = !!cert && Object.keys(cert).length > 0;
  const cn = present ? cert.subject?.CN : undefined;
  conn.peer = {
    authorized: present && socket.authorized === true,
    subjectCn: Array.isArray(cn) ? cn[0] : cn,
    raw: present && cert.raw ? new Uint8Array(cert.raw) : undefined,
  };
  return conn.peer;
}
