/**
 * What both TLS fronts share: the options a listener takes, the TLS policy, limits and time-outs, body
 * rules per path, and the headers every answer carries. The fronts themselves are native-front.ts
 * (Bun's own TLS sockets, HTTP/1.1) and node-front.ts (node:http2, for PROXY protocol and SNI);
 * secure-server.ts picks one.
 */
import type { SecureContext } from 'node:tls';
import { MAX_UPDATE_BODY_BYTES } from '../api/update-limits.ts';
import { type ApiError, envelope } from '../errors.ts';
import type { ProxyFrontOptions } from './proxy-front.ts';
import type { BodyRule } from './request-body.ts';

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

/** The body rule of a path: its route's when it has one (and the connection qualifies), else maxBodyBytes. */
export function bodyRule(opts: SecureServerOptions, path: string, certified: boolean): BodyRule {
  const route = (opts.bodyRoutes ?? [AGENT_UPDATE_BODY]).find((candidate) => candidate.path === path);
  if (!route) return { maxBytes: opts.maxBodyBytes, gzip: false };
  const ownLimit = certified || !route.clientCertificateOnly;
  return { maxBytes: ownLimit ? Math.max(route.maxBytes, opts.maxBodyBytes) : opts.maxBodyBytes, gzip: !!route.gzip };
}

/** "::ffff:127.0.0.1" -> "127.0.0.1", so allow-lists and throttles see one form. */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The header fields of an answer: the hardening headers (unless the handler set its own value), then
 * the handler's own (hop-by-hop ones dropped: the front frames the answer), `Accept-Encoding: gzip` on
 * a path that takes gzip, and each Set-Cookie on its own.
 */
export function answerFields(response: Response, rule: BodyRule): [string, string][] {
  const fields: [string, string][] = [];
  for (const [name, value] of Object.entries(HARDENING_HEADERS)) if (!response.headers.has(name)) fields.push([name, value]);
  if (rule.gzip && !response.headers.has('accept-encoding')) fields.push(['accept-encoding', 'gzip']);
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie' || HOP_BY_HOP.has(name)) return;
    fields.push([name, value]);
  });
  for (const cookie of response.headers.getSetCookie()) fields.push(['set-cookie', cookie]);
  return fields;
}

/**
 * The URL a request is routed by: its Host (a host name, IPv4 address or bracketed IPv6 address, with
 * an optional port) and its target; undefined when the Host is no valid authority. Without a Host
 * (HTTP/1.0), `localhost`.
 */
export function requestUrl(host: string | undefined, target: string): string | undefined {
  if (host === undefined) return `https://localhost${target}`;
  const match = AUTHORITY.exec(host);
  if (!match || (match[1] !== undefined && Number(match[1]) > 65_535)) return undefined;
  return `https://${host}${target}`;
}

const AUTHORITY = /^(?:[A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

const HOP_BY_HOP = new Set(['connection', 'transfer-encoding', 'keep-alive', 'content-length', 'upgrade']);

/** The JSON error envelope of a refusal the front answers itself (no handler ran), with a fresh request id. */
export function refusalBody(err: ApiError): { requestId: string; body: string } {
  const requestId = crypto.randomUUID();
  return { requestId, body: JSON.stringify(envelope(err, requestId)) };
}
