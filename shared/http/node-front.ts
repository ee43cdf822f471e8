import http2 from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http';
import type { SecureContext, TLSSocket } from 'node:tls';
import { ApiError, envelope } from '../errors.ts';
import { attachConnectionInfo, type PeerCertificate } from './connection-info.ts';
import { proxiedClientAddress, startProxyFront } from './proxy-front.ts';
import { readRequestBody } from './node-request-body.ts';
import {
  answerFields,
  bodyRule,
  HARDENING_HEADERS,
  HEADERS_TIMEOUT_MS,
  IDLE_TIMEOUT_MS,
  MAX_HEADER_BYTES,
  normaliseAddress,
  requestUrl,
  TLS_POLICY,
  type SecureServer,
  type SecureServerOptions,
} from './server-options.ts';

/**
 * HTTP/2 limits: one connection may not open more than 100 streams at once nor hold more than a few MB
 * of session state (a stream flood is refused with RST_STREAM / ENHANCE_YOUR_CALM instead of growing
 * the heap); headers are capped like HTTP/1.1's, which also get a time limit.
 */
const HTTP2_LIMITS = {
  settings: { maxConcurrentStreams: 100, maxHeaderListSize: MAX_HEADER_BYTES },
  maxSessionMemory: 8,
  maxHeaderListPairs: 128,
  maxHeaderSize: MAX_HEADER_BYTES,
} as const;

/**
 * The node:http2 front: HTTP/2 and HTTP/1.1 over node:tls, which takes what Bun's own TLS sockets cannot
 * yet: a PROXY protocol header before the handshake (proxy-front.ts hands it the socket) and a second
 * certificate chosen by SNI. It requests a certificate without requiring one and hands each request to
 * a fetch-style handler with the verified peer attached (see connection-info.ts). It costs about three
 * times the native front's CPU a request and ~75 KB a connection (docs/performance.md).
 */
export function startNodeFront(opts: SecureServerOptions): Promise<SecureServer> {
  const sni = opts.sniContext;
  const server = http2.createSecureServer({
    allowHTTP1: true,
    requestCert: opts.requestCert ?? true,
    rejectUnauthorized: false,
    ...TLS_POLICY,
    ...HTTP2_LIMITS,
    ...opts.tls,
    ...(sni ? { SNICallback: (name: string, done: (err: Error | null, context?: SecureContext) => void) => done(null, sni(name)) } : {}),
  });
  enforceTimeouts(server, opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS);

  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    serve(req, res, opts).catch((err) => {
      opts.onError?.(err);
      if (!res.headersSent) writeError(res, new ApiError(500, 'INTERNAL', 'internal error'));
      else res.end();
    });
  });
  server.on('tlsClientError', () => {});
  server.on('clientError' as 'tlsClientError', refuseMalformed as never);

  const listening: Promise<import('node:net').Server> = opts.proxy
    ? startProxyFront(server, { ...opts.proxy, host: opts.host, port: opts.port })
    : new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host, () => (server.off('error', reject), resolve(server)));
      });
  return listening.then((listener) => {
    const address = listener.address();
    return {
      port: typeof address === 'object' && address ? address.port : opts.port,
      setTls: (tls) => server.setSecureContext({ ...tls, ...TLS_POLICY } as never),
      close: () =>
        new Promise<void>((done) => {
          if (listener !== server) listener.close();
          server.close(() => done());
          // Idle keep-alive connections would hold close() open.
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          setTimeout(done, 500).unref();
        }),
    };
  });
}

/**
 * Slow or silent clients do not keep connections: HTTP/1.1 sockets get `headersMs` to deliver each
 * complete request head (the runtime's own headersTimeout is not applied on this server), HTTP/2
 * sessions are closed after `idleMs` without traffic.
 */
function enforceTimeouts(server: http2.Http2SecureServer, headersMs: number, idleMs: number): void {
  const waiting = new WeakMap<object, { timer?: ReturnType<typeof setTimeout>; inFlight: number }>();
  const arm = (socket: TLSSocket, state: { timer?: ReturnType<typeof setTimeout>; inFlight: number }) => {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => socket.destroy(), headersMs);
    state.timer.unref?.();
  };
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') return;
    const state = { inFlight: 0 } as { timer?: ReturnType<typeof setTimeout>; inFlight: number };
    waiting.set(socket, state);
    arm(socket, state);
    socket.once('close', () => clearTimeout(state.timer));
  });
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    const state = waiting.get(req.socket);
    if (!state) return;
    state.inFlight++;
    clearTimeout(state.timer);
    res.once('close', () => {
      if (--state.inFlight === 0 && !req.socket.destroyed) arm(req.socket as TLSSocket, state);
    });
  });
  server.on('session', (session: http2.ServerHttp2Session) => session.setTimeout(idleMs, () => session.destroy()));
}

async function serve(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, opts: SecureServerOptions) {
  const host = req.headers[':authority'] ?? req.headers.host;
  // Origin form only (a path), as the native front reads it; `OPTIONS *` is routed as /.
  const target = req.url === '*' ? '/' : req.url;
  const href = target.startsWith('/') ? requestUrl(host === undefined ? undefined : String(host), target) : undefined;
  const url = href === undefined ? undefined : URL.parse(href);
  if (!url) return refuseBody(req, res, new ApiError(400, 'MALFORMED_REQUEST', 'malformed HTTP request: a target other than a path, or a Host that is no valid authority'));
  const socket = req.socket as TLSSocket;
  const peer = peerOf(socket);
  // The limit is chosen by path before anything routes, and checked while the body streams in.
  const rule = bodyRule(opts, url.pathname, peer.authorized);
  const read = await readRequestBody(req, rule);
  if ('refusal' in read) return refuseBody(req, res, read.refusal);
  const { body } = read;

  const method = req.method ?? 'GET';
  const headers = toHeaders(req.headers);
  headers.delete('content-encoding');
  if (read.inflated) headers.set('content-length', String(body.byteLength));
  const request = new Request(url, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' || body.byteLength === 0 ? undefined : (body as Uint8Array<ArrayBuffer>),
  });
  attachConnectionInfo(request, {
    remoteAddress: normaliseAddress(proxiedClientAddress(socket) ?? socket.remoteAddress ?? ''),
    peer,
  });

  const response = await opts.handle(request);
  const answerHeaders: Record<string, string | string[]> = {};
  for (const [name, value] of answerFields(response, rule)) {
    const held = answerHeaders[name];
    answerHeaders[name] = name !== 'set-cookie' ? value : Array.isArray(held) ? [...held, value] : [value];
  }
  const payload = method === 'HEAD' ? new Uint8Array() : new Uint8Array(await response.arrayBuffer());
  const length = method === 'HEAD' ? response.headers.get('content-length') : String(payload.byteLength);
  // 204 and 304 carry no length (RFC 9110 section 8.6).
  if (length !== null && response.status !== 204 && response.status !== 304) answerHeaders['content-length'] = length;
  res.writeHead(response.status, answerHeaders);
  res.end(payload);
}

/**
 * Each connection's verified peer, read once: the certificate cannot change on a connection (TLS 1.3
 * has no renegotiation, and BoringSSL, under Bun, refuses a client's TLS 1.2 renegotiation), while
 * reading it builds a whole object from the X.509 bytes, on every request of a kept-alive agent.
 */
const peers = new WeakMap<TLSSocket, PeerCertificate>();

function peerOf(socket: TLSSocket): PeerCertificate {
  const known = peers.get(socket);
  if (known) return known;
  const peer = readPeer(socket);
  peers.set(socket, peer);
  return peer;
}

function readPeer(socket: TLSSocket): PeerCertificate {
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  const present = !!cert && Object.keys(cert).length > 0;
  return {
    authorized: present && socket.authorized === true,
    subjectCn: present ? (Array.isArray(cert.subject?.CN) ? cert.subject.CN[0] : cert.subject?.CN) : undefined,
    raw: present && cert.raw ? new Uint8Array(cert.raw) : undefined,
  };
}

/** A refused body is answered without reading the rest: the connection (HTTP/2: the stream) is closed, so it is never drained. */
function refuseBody(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, refusal: ApiError) {
  writeError(res, refusal, true);
  res.once('finish', () => (req.httpVersionMajor === 1 ? req.socket.destroy() : req.stream?.close()));
}

function writeError(res: http2.Http2ServerResponse, err: ApiError, close = false) {
  const requestId = crypto.randomUUID();
  const headers: Record<string, string> = { ...HARDENING_HEADERS, ...err.headers, 'content-type': 'application/json', 'x-request-id': requestId };
  if (close && res.req.httpVersionMajor === 1) headers.connection = 'close';
  res.writeHead(err.status, headers);
  res.end(JSON.stringify(envelope(err, requestId)));
}

/** Requests the HTTP parser refuses (a huge header, garbage) still get the JSON envelope. */
function refuseMalformed(err: NodeJS.ErrnoException & { code?: string }, socket: import('node:stream').Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooBig = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooBig ? 431 : 400;
  const body = JSON.stringify(
    envelope(new ApiError(status, tooBig ? 'HEADERS_TOO_LARGE' : 'MALFORMED_REQUEST', tooBig ? 'request headers are too large' : 'malformed HTTP request'), crypto.randomUUID()),
  );
  socket.end(
    `HTTP/1.1 ${status} ${tooBig ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\nstrict-transport-security: ${HARDENING_HEADERS['strict-transport-security']}\r\nx-content-type-options: nosniff\r\n\r\n${body}`,
  );
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (name.startsWith(':') || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}
