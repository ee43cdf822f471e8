import { bool, duration, field, int, list, oneOf, port, section, str, type ConfigOf } from '../../shared/config-schema.ts';
import { auditSchema } from './audit-schema.ts';
import { authSchema, otpSchema } from './auth-schema.ts';
import { certificateName, cidr, cidrs, keyBytes, publicUrl, requiredKeyBytes } from './typed-fields.ts';
import type { CidrBlock } from '../net/cidr.ts';
import type { LoadedPolicy } from '../policy/holder.ts';

/** Every key of dcvix-director.conf with its default. */
export const directorSchema = {
  director_host: field('0.0.0.0', str),
  director_port: field(8445, port),
  data_dir: field('/var/lib/dcvix-director', str),
  /** Directory of the policy JSON files; default: the config file's directory. */
  policy_dir: field('', str),
  /** 32-byte PASETO v4.local key, hex (64 chars) or base64, held as bytes; empty = ephemeral (tokens die on restart). */
  token_key: field<Uint8Array | undefined>(undefined, keyBytes),
  /** Earlier token keys, still accepted for verification after a rotation (never used to issue). */
  token_key_previous: field<Uint8Array[]>([], list(requiredKeyBytes)),
  /** Extra DNS names or IPv4 addresses for the director's server certificate. */
  hostnames: field<string[]>([], list(certificateName)),
  /**
   * The address users reach the web app by ("https://dcv.example.com", a port if not 443). Passkeys'
   * relying-party id is its host name and single sign-on redirect URIs start with it, so changing it later
   * invalidates every registered passkey. "" = https://<first of hostnames, else this host's name>:<director_port>.
   */
  public_url: field('', publicUrl),
  /**
   * The site's own certificate for browsers (PEM: the certificate then its chain; and its key), e.g. from
   * a corporate CA or ACME. Presented on public_port and, by SNI, for public_hostnames on director_port;
   * re-read when the files change and on SIGHUP. Agents keep the director's own CA. Both or neither.
   */
  public_tls_cert_file: field('', str),
  public_tls_key_file: field('', str),
  /** A second listener (e.g. 443) with the public certificate: web app, API, verifier, resolver; no agent routes. 0 = none. */
  public_port: field(0, port),
  /** Names for which director_port presents the public certificate (SNI); any other name gets the director's own. */
  public_hostnames: field<string[]>([], list(certificateName)),
  /** How often the public certificate files are looked at for a change (SIGHUP reloads at once). */
  public_tls_check_interval: field(10_000, duration(100)),
  max_body_bytes: field(64 * 1024, int(1024, 16 * 1024 * 1024)),
  /** HTTP/1.1: time a connection gets to send each complete request head (slow-header clients are cut). */
  http_headers_timeout: field(20_000, duration(1_000)),
  /** HTTP/2: a connection without traffic for this long is closed. */
  http_idle_timeout: field(120_000, duration(1_000)),
  session_token_ttl: field(2 * 3_600_000, duration(60_000)),
  /** POST /v1/renew extends a sign-in at most this long after the password login (authTime). */
  session_absolute_max: field(12 * 3_600_000, duration(60_000)),
  connection_token_ttl: field(5 * 60_000, duration(10_000)),
  /** Lifetime of an API client's access token (POST /oauth2/token, the Session Manager API). */
  api_token_ttl: field(3_600_000, duration(60_000)),
  /** Pending registrations older than this are removed by the housekeeper. */
  pending_max_age: field(7 * 86_400_000, duration(60_000)),
  pending_cleanup_interval: field(3_600_000, duration(1_000)),
  /** Registrations waiting for approval at most; further new agents get 429 until some are handled. */
  max_pending_agents: field(1000, int(1, 1_000_000)),
  housekeeper_interval: field(10_000, duration(100)),
  /** Audit events older than this are deleted by the housekeeper. */
  audit_retention: field(400 * 86_400_000, duration(60_000)),
  /**
   * DCV connection events (token issued, .dcv file, verifier and resolver answers) recorded per minute
   * for one type, outcome, user, session and client address; the rest are counted in one summary event.
   */
  audit_connection_events_per_minute: field(20, int(1, 100_000)),
  /** New registrations (unknown GUIDs) accepted per client address per minute; more get 429 with Retry-After. */
  register_rate_per_minute: field(30, int(1, 1_000_000)),
  /** Sessions not refreshed by an agent update within this are dropped (the specification: 40 s). */
  session_stale_after: field(40_000, duration(1_000)),
  /** Servers silent for longer are shown offline. */
  server_offline_after: field(90_000, duration(1_000)),
  /** Port the director reaches agents on when an update does not say. */
  agent_port: field(8446, port),
  /** Time limit of one call to an agent; must exceed 2 x the agents' dcv_timeout + 2 s (health check). */
  agent_request_timeout: field(30_000, duration(100)),
  /** How long pool placement skips a server after a create failed there for a host-side reason. */
  placement_cooldown: field(5 * 60_000, duration(0)),
  /** A session screenshot answers every request for that session this long before the agent is asked again. */
  screenshot_cache_time: field(30_000, duration(1_000)),
  /** CIDRs allowed to call POST /resolveSession (the DCV Connection Gateway). */
  gateway_allow: field<CidrBlock[]>(cidrs('127.0.0.1/32', '::1/128'), list(cidr)),
  /** CIDRs allowed to scrape GET /metrics. */
  metrics_allow: field<CidrBlock[]>(cidrs('127.0.0.1/32', '::1/128'), list(cidr)),
  /** DCV server port written into .dcv files and web-client URLs. */
  dcv_port: field(8443, port),
  dcv_web_url_path: field('', str),
  /** What .dcv files and the gateway resolver name as the DCV host: the agent's host name or its address. */
  dcv_host_source: field<'hostname' | 'address'>('hostname', oneOf('hostname', 'address')),
  /** certificatevalidationpolicy in .dcv files: strict, accept-untrusted or ask-user. */
  dcv_certificate_validation: field<'strict' | 'accept-untrusted' | 'ask-user'>('ask-user', oneOf('strict', 'accept-untrusted', 'ask-user')),
  /** How many DCV connections one connection token may open within its lifetime. */
  connection_token_max_uses: field(3, int(1, 100)),
  /** "" = the embedded bun:sqlite database in data_dir; "postgres://user@host:5432/db" = PostgreSQL (several directors). */
  store_url: field('', str),
  /** File holding the PostgreSQL password (else the environment variable DCVIX_STORE_PASSWORD). */
  store_password_file: field('', str),
  /**
   * File holding the store CA key (32 bytes as 64 hex characters) that seals the shared CA's private
   * key in PostgreSQL (else DCVIX_STORE_CA_KEY). Required with a PostgreSQL store; same on every director.
   */
  store_ca_key_file: field('', str),
  /** CIDRs of load balancers that send a PROXY protocol v2 header; from them the header is required. */
  trusted_proxies: field<CidrBlock[]>([], list(cidr)),
  /**
   * Earlier releases' behaviour: an agent registered before that registers again with the same key
   * after its certificate expired gets a certificate at once instead of waiting for approval (while the
   * certificate is valid, registering with the key re-issues it anyway). Risk: whoever holds a copy of
   * agent.key can then mint certificates until the agent is revoked.
   */
  reissue_to_known_key: field(false, bool),
  /** Serve the web app from this directory (built by scripts/build-web.ts --out DIR) instead of the embedded copy. */
  web_dir: field('', str),
  log_level: field<'debug' | 'info' | 'warn' | 'error'>('info', oneOf('debug', 'info', 'warn', 'error')),
  auth: authSchema,
  otp: otpSchema,
  audit: auditSchema,
  throttle: section({
    enabled: field(true, bool),
    max_failures: field(5, int(1, 1000)),
    window: field(15 * 60_000, duration(1_000)),
  }),
};

export type DirectorConfig = ConfigOf<typeof directorSchema> & {
  readonly configFile: string;
  readonly policyDir: string;
  /** users.json and pools.json as read and checked at load (they seed an empty policy store at start-up). */
  readonly policy: LoadedPolicy;
  /** The store password (store_password_file or DCVIX_STORE_PASSWORD), never logged. */
  readonly storePassword?: string;
  /** The store CA key (store_ca_key_file or DCVIX_STORE_CA_KEY), never logged. */
  readonly storeCaKey?: Uint8Array;
};
