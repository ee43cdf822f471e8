import type { SecureContext } from 'node:tls';
import { ApiError, envelope } from '../../shared/errors.ts';
import { startSecureServer, type SecureServer } from '../../shared/http/secure-server.ts';
import type { Logger } from '../../shared/log.ts';
import type { DirectorConfig } from '../config/schema.ts';
import { PublicCertificate } from './public-certificate.ts';

/** Paths the public side never serves: enrolment, renewal and updates are for agents, on the director's own certificate. */
const AGENT_PREFIX = '/v1/agent/';

/** The site's own certificate on the user-facing side: SNI on director_port, and the optional public_port listener. */
export interface PublicSide {
  /** For the main listener: the public certificate's context for public_hostnames, else undefined (the director's own). */
  sniContext?: (serverName: string) => SecureContext | undefined;
  /** Starts public_port (when set) and the file checks. */
  start(handle: (request: Request) => Promise<Response> | Response): Promise<void>;
  /** The bound public_port, or undefined without one. */
  port(): number | undefined;
  /** SIGHUP: the files re-read. */
  reload(): void;
  close(): Promise<void>;
}

/**
 * The public side as the config asks for it, or undefined without public_tls_cert_file. The certificate
 * is read here, before the director listens (the config load checked it already).
 */
export function publicSide(config: DirectorConfig, clientCa: string, log: Logger): PublicSide | undefined {
  if (!config.public_tls_cert_file) return undefined;
  let listener: SecureServer | undefined;
  const certificate = new PublicCertificate({
    certFile: config.public_tls_cert_file,
    keyFile: config.public_tls_key_file,
    clientCa,
    checkIntervalMs: config.public_tls_check_interval,
    onChange: (tls) => listener?.setTls({ cert: tls.cert, key: tls.key, ca: clientCa }),
    log,
  });
  const names = new Set(config.public_hostnames.map((name) => name.toLowerCase()));
  log.info('public certificate loaded', { file: config.public_tls_cert_file, subject: certificate.current.subject, notAfter: certificate.current.notAfter });
  return {
    ...(names.size ? { sniContext: (serverName: string) => (names.has(serverName.toLowerCase()) ? certificate.context : undefined) } : {}),
    async start(handle) {
      certificate.start();
      if (!config.public_port) return;
      const tls = certificate.current;
      listener = await startSecureServer({
        host: config.director_host,
        port: config.public_port,
        tls: { cert: tls.cert, key: tls.key, ca: clientCa },
        // Browsers only: asking for a client certificate would make some show a picker.
        requestCert: false,
        maxBodyBytes: config.max_body_bytes,
        headersTimeoutMs: config.http_headers_timeout,
        idleTimeoutMs: config.http_idle_timeout,
        handle: (request) => (new URL(request.url).pathname.startsWith(AGENT_PREFIX) ? notForAgents() : handle(request)),
        onError: (error) => log.error('request failed in the HTTPS front', { error, listener: 'public' }),
      });
      log.info('public listener', { host: config.director_host, port: listener.port });
    },
    port: () => listener?.port,
    reload: () => void certificate.reload('SIGHUP'),
    async close() {
      certificate.stop();
      await listener?.close();
    },
  };
}

function notForAgents(): Response {
  return Response.json(envelope(new ApiError(404, 'NOT_FOUND', 'agent routes are served on director_port only')), { status: 404 });
}
