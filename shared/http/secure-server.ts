import http2 from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ApiError, envelope } from '../errors.ts';
import { attachConnectionInfo, type PeerCertificate } from './connection-info.ts';

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
  /** Bodies larger than this are refused with 413 before anything parses them. */
  maxBodyBytes: number;
  handle: (request: Request) => Promise<Response> | Response;
  onError?: (err: unknown) => void;
}

export interface SecureServer {
  port: number;
  /** Swaps certificate, key or CA for new connections; existing listeners keep running. */
  setTls(tls: TlsMaterial): void;
  close(): Promise<void>;
}

/**
 * HTTPS with optional client certificates on one port. Bun.serve cannot tell which certificate a
 * client presented (on Bun 1.4 its fetch handler sees no peer certificate; node:https under Bun has no
 * getPeerCertificate), so this uses node:http2's secure server with HTTP/1.1 fallback,
 * requests a certificate without requiring one, and hands each request to a fetch-style handler with
 * the verified peer attached (see connection-info.ts).
 */
export function startSecureServer(opts: SecureServerOptions): Promise<SecureServer> {
  const server = http2.createSecureServer({
    allowHTTP1: true,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
    ...opts.tls,
  });

  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    serve(req, res, opts).catch((err) => {
      opts.onError?.(err);
      if (!res.headersSent) writeError(res, new ApiError(500, 'INTERNAL', 'internal error'));
      else res.end();
    });
  });
  server.on('tlsClientError', () => {});
  server.on('clientError' as 'tlsClientError', refuseMalformed as never);

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : opts.port,
        setTls: (tls) => server.setSecureContext({ ...tls, minVersion: 'TLSv1.2' } as never),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Idle keep-alive connections would hold close() open.
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            setTimeout(done, 500).unref();
          }),
      });
    });
  });
}

async function serve(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, opts: SecureServerOptions) {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > opts.maxBodyBytes) return tooLarge(req, res, opts.maxBodyBytes);
  const body = await readBody(req, opts.maxBodyBytes);
  if (body === 'too-large') return tooLarge(req, res, opts.maxBodyBytes);

  const host = String(req.headers[':authority'] ?? req.headers.host ?? 'localhost');
  const url = new URL(req.url, `https://${/^[\w.\-:[\]]+$/.test(host) ? host : 'localhost'}`);
  const method = req.method ?? 'GET';
  const request = new Request(url, {
    method,
    headers: toHeaders(req.headers),
    body: method === 'GET' || method === 'HEAD' || body.byteLength === 0 ? undefined : (body as Uint8Array<ArrayBuffer>),
  });
  const socket = req.socket as TLSSocket;
  attachConnectionInfo(request, {
    remoteAddress: normaliseAddress(socket.remoteAddress ?? ''),
    peer: peerOf(socket),
  });

  const response = await opts.handle(request);
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    if (name === 'connection' || name === 'transfer-encoding' || name === 'keep-alive') return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  const payload = method === 'HEAD' ? new Uint8Array() : new Uint8Array(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(payload);
}

function peerOf(socket: TLSSocket): PeerCertificate {
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  const present = !!cert && Object.keys(cert).length > 0;
  return {
    authorized: present && socket.authorized === true,
    subjectCn: present ? (Array.isArray(cert.subject?.CN) ? cert.subject.CN[0] : cert.subject?.CN) : undefined,
    raw: present && cert.raw ? new Uint8Array(cert.raw) : undefined,
  };
}

function readBody(req: http2.Http2ServerRequest, limit: number): Promise<Uint8Array | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => !done && resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', (err) => !done && reject(err));
  });
}

/** 413 without reading the rest: the connection is closed, so an oversized body is never drained. */
function tooLarge(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, limit: number) {
  writeError(res, new ApiError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`), true);
  res.once('finish', () => (req.httpVersionMajor === 1 ? req.socket.destroy() : req.stream?.close()));
}

function writeError(res: http2.Http2ServerResponse, err: ApiError, close = false) {
  const requestId = crypto.randomUUID();
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
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
  const body = JSON.stringify(envelope(new ApiError(status, tooBig ? 'HEADERS_TOO_LARGE' : 'MALFORMED_REQUEST', tooBig ? 'request headers are too large' : 'malformed HTTP request'), crypto.randomUUID()));
  socket.end(`HTTP/1.1 ${status} ${tooBig ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (name.startsWith(':') || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

/** "::ffff:127.0.0.1" -> "127.0.0.1", so allow-lists and throttles see one form. */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
