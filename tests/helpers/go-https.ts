/**
 * The HTTPS side of the Go-style stand-ins: a TLS server that answers the way Go's net/http handlers do
 * (http.Error: text/plain with a trailing newline; json.NewEncoder: JSON with a trailing newline;
 * WriteHeader(200) alone: an empty body), and a client for their outgoing calls.
 */
import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';

export interface GoRequest {
  method: string;
  path: string;
  body: string;
  remoteAddress: string;
  /** The client certificate verified against the server's CA, if one was presented. */
  peer: { authorized: boolean; cn: string | undefined };
}

export interface GoAnswer {
  status: number;
  contentType?: string;
  body: string;
}

/** http.Error(w, msg, status). */
export const goText = (status: number, msg: string): GoAnswer => ({ status, contentType: 'text/plain; charset=utf-8', body: `${msg}\n` });
/** w.WriteHeader(status); json.NewEncoder(w).Encode(v). */
export const goJson = (status: number, v: unknown): GoAnswer => ({ status, contentType: 'application/json', body: `${JSON.stringify(v)}\n` });
/** w.WriteHeader(status) with no body. */
export const goEmpty = (status: number): GoAnswer => ({ status, body: '' });

export interface GoServer {
  port: number;
  setTls(tls: { cert: string; key: string; ca: string }): void;
  close(): Promise<void>;
}

/**
 * Listens with the given certificate. `requireClientCert` is Go's tls.RequireAndVerifyClientCert (the Go
 * agent); without it a certificate is requested and its verdict handed to the handler (the Go director).
 */
export function startGoServer(o: {
  host: string;
  port: number;
  tls: { cert: string; key: string; ca: string };
  requireClientCert: boolean;
  handle: (r: GoRequest) => Promise<GoAnswer> | GoAnswer;
}): Promise<GoServer> {
  const server = http2.createSecureServer({ allowHTTP1: true, requestCert: true, rejectUnauthorized: o.requireClientCert, minVersion: 'TLSv1.2', ...o.tls });
  server.on('request', async (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    // 'data'/'end' events, as the project's own server reads bodies (the compat request's async
    // iterator is less dependable under Bun).
    const body = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
    const socket = req.socket as unknown as TLSSocket;
    const cert = socket.getPeerCertificate?.();
    let answer: GoAnswer;
    try {
      answer = await o.handle({
        method: req.method,
        path: req.url,
        body,
        remoteAddress: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        peer: { authorized: socket.authorized === true && !!cert?.raw, cn: ([] as (string | undefined)[]).concat(cert?.subject?.CN)[0] },
      });
    } catch (err) {
      answer = goText(500, (err as Error).message);
    }
    res.writeHead(answer.status, answer.contentType ? { 'content-type': answer.contentType } : {});
    res.end(answer.body);
  });
  server.on('tlsClientError', () => {});
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : o.port,
        setTls: (tls) => server.setSecureContext({ ...tls, minVersion: 'TLSv1.2' } as never),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            setTimeout(done, 300).unref();
          }),
      });
    });
  });
}

/** An outgoing call as Go's http.Client makes it; returns the status and the raw body text. */
export async function goCall(url: string, options: { method?: string; json?: unknown; tls: Record<string, unknown> }): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: options.method ?? (options.json === undefined ? 'GET' : 'POST'),
    headers: options.json === undefined ? {} : { 'content-type': 'application/json' },
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
    tls: options.tls,
    signal: AbortSignal.timeout(10_000),
  } as RequestInit);
  return { status: res.status, text: await res.text() };
}

/** A port free right now on 127.0.0.1 (the Go director dials every agent on one configured port). */
export async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
