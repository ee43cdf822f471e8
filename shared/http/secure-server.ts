import http2 from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http';
import type { SecureContext, TLSSocket } from 'node:tls';
import { MAX_UPDATE_BODY_BYTES } from '../api/update-limits.ts';
import { ApiError, envelope } from '../errors.ts';
import { attachConnectionInfo, type PeerCertificate } from './connection-info.ts';
import { proxiedClientAddress, startProxyFront, type ProxyFrontOptions } from './proxy-front.ts';
import { readRequestBody, type BodyRule } from './request-body.ts';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** CA bundle client certificates are verified against. */
  ca: string;
}

export interface SecureServerOptions {
  host: string;
  port: number;
  tls: TlsMaterial;
  /** Bodies larger than this are refused with 413 before anything parses them (bodyRoutes may allow more). */
  maxBodyBytes: number;
  /** Paths with a body limit of their own, and gzip; default: the director's agent update (AGENT_UPDATE_BODY). */
  bodyRoutes?: readonly BodyRoute[];
  /** HTTP/1.1: a connection must send a complete request head within this, first and between requests. */
  headersTimeoutMs?: number;
  /** HTTP/2: a session with no traffic for this long is closed. */
  idleTimeoutMs?: number;
  handle: (request: Request) => Promise<Response> | Response;
  onError?: (err: unknown) => void;
  /** PROXY protocol v2 from trusted load balancers (see proxy-front.ts); absent = plain TLS only. */
  proxy?: Omit<ProxyFrontOptions, 'host' | 'port'>;
  /** Ask clients for a certificate (default true); false for a listener only browsers use, so none is asked to pick one. */
  requestCert?: boolean;
  /** Another certificate for some server names (SNI): its context, or undefined for the default one. */
  sniContext?: (serverName: string) => SecureContext | undefined;
}

export interface SecureServer {
  port: number;
  /** Swaps certificate, key or CA for new connections; existing listeners keep running. */
  setTls(tls: TlsMaterial): void;
  close(): Promise<void>;
}

/**
 * TLS 1.2 offers only forward-secret AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305: no CBC,
 * no SHA-1 MACs, no static RSA); TLS 1.3 suites are all AEAD and stay as OpenSSL ships them.
 */
export const TLS_POLICY = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
} as const;

/** Largest request header block, the same for HTTP/1.1 (maxHeaderSize) and HTTP/2 (maxHeaderListSize). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Defaults of SecureServerOptions.headersTimeoutMs and idleTimeoutMs. */
export const HEADERS_TIMEOUT_MS = 20_000;
export const IDLE_TIMEOUT_MS = 120_000;

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

/** A path whose requests may carry more than maxBodyBytes, or gzip. */
export interface BodyRoute {
  /** The URL path exactly as routing sees it (no query). */
  path: string;
  /** Its body limit, gzip inflated included; never below maxBodyBytes. */
  maxBytes: number;
  /** Takes `Content-Encoding: gzip` and says so in every answer (`Accept-Encoding: gzip`, RFC 7694). */
  gzip?: boolean;
  /**
   * maxBytes holds only on connections with a verified client certificate; others keep maxBodyBytes,
   * so anonymous clients cannot make the server hold more than before.
   */
  clientCertificateOnly?: boolean;
}

/**
 * The director's POST /v1/agent/update: large enough for the largest update its model accepts (2,000
 * sessions, shared/api/update-limits.ts), gzip welcome, for agents (client certificates) only.
 */
export const AGENT_UPDATE_BODY: BodyRoute = { path: '/v1/agent/update', maxBytes: MAX_UPDATE_BODY_BYTES, gzip: true, clientCertificateOnly: true };

/** Sent on every answer: HTTPS only from now on (a year), and no content sniffing. */
export const HARDENING_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=31536000',
  'x-content-type-options': 'nosniff',
};

/**
 * HTTPS with optional client certificates on one port. Bun.serve cannot tell which certificate a
 * client presented (on Bun 1.4 its fetch handler sees no peer certificate; node:https under Bun has no
 * getPeerCertificate), so this uses node:http2's secure server with HTTP/1.1 fallback,
 * requests a certificate without requiring one, and hands each request to a fetch-style handler with
 * the verified peer attached (see connection-info.ts).
 */
export function startSecureServer(opts: SecureServerOptions): Promise<SecureServer> {
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
  const host = String(req.headers[':authority'] ?? req.headers.host ?? 'localhost');
  const url = new URL(req.url, `https://${/^[\w.\-:[\]]+$/.test(host) ? host : 'localhost'}`);
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
  const answerHeaders: Record<string, string | string[]> = { ...HARDENING_HEADERS, ...(rule.gzip ? { 'accept-encoding': 'gzip' } : {}) };
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    if (name === 'connection' || name === 'transfer-encoding' || name === 'keep-alive') return;
    answerHeaders[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) answerHeaders['set-cookie'] = cookies;
  const payload = method === 'HEAD' ? new Uint8Array() : new Uint8Array(await response.arrayBuffer());
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

/** The body rule of a path: its route's when it has one (and the connection qualifies), else maxBodyBytes. */
function bodyRule(opts: SecureServerOptions, path: string, certified: boolean): BodyRule {
  const route = (opts.bodyRoutes ?? [AGENT_UPDATE_BODY]).find((candidate) => candidate.path === path);
  if (!route) return { maxBytes: opts.maxBodyBytes, gzip: false };
  const ownLimit = certified || !route.clientCertificateOnly;
  return { maxBytes: ownLimit ? Math.max(route.maxBytes, opts.maxBodyBytes) : opts.maxBodyBytes, gzip: !!route.gzip };
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

/** "::ffff:127.0.0.1" -> "127.0.0.1", so allow-lists and throttles see one form. */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
