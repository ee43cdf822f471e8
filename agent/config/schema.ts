import { MAX_VIRTUAL_SESSIONS } from '../../shared/api/agent-update.ts';
import { HOST_NAME_MAX, isHostName } from '../../shared/api/host-name.ts';
import { isTag } from '../../shared/api/tags.ts';
import { platformPaths } from './platform-paths.ts';
import { bool, duration, field, int, list, oneOf, port, str, type ConfigOf, type FieldParser } from '../../shared/config-schema.ts';

/** Empty (this machine's name) or a host name the director takes. */
const hostName: FieldParser<string> = (value) => {
  const name = str(value);
  if (name && !isHostName(name)) throw new Error(`must be a host name: dot-separated labels of 1-63 letters, digits and hyphens (either case), at most ${HOST_NAME_MAX} characters`);
  return name;
};

/** `name` or `key=value` as the director takes it (shared/api/tags.ts): a tag it would skip stops start-up instead. */
const tag: FieldParser<string> = (value) => {
  const text = str(value);
  if (!isTag(text))
    throw new Error(`"${String(value).slice(0, 80)}" is not a tag: "name" or "key=value", a key of up to 64 letters, digits and _ . : / -, a value of up to 128 letters, digits and _ . : = / @ + , -`);
  return text;
};

const PLATFORM = platformPaths();

/** Every key of dcvix-agent.conf with its default (paths: this platform's, see platform-paths.ts). */
export const agentSchema = {
  director_url: field('https://dcvix-director:8445', str),
  data_dir: field(PLATFORM.dataDir, str),
  listen_host: field('0.0.0.0', str),
  listen_port: field(8446, port),
  /** Port the director should call back on, when it differs from listen_port (NAT, port 0 in tests). */
  advertise_port: field(0, port),
  /** Host name reported to the director; default: this machine's. */
  hostname: field('', hostName),
  update_interval: field(30_000, duration(100)),
  register_interval: field(30_000, duration(100)),
  renew_interval: field(12 * 3_600_000, duration(100)),
  renew_retry_interval: field(5 * 60_000, duration(100)),
  /** `name` or `key=value` tags, for pool requirements (`tag:gpu = 'a10'`). */
  tags: field<string[]>([], list(tag)),
  dcv_path: field(PLATFORM.dcvPath, str),
  /**
   * Where the self-check reads DCV's settings ([security] auth-token-verifier) on every update: dcv.conf's
   * path, or "registry" (the default on Windows: DCV Server for Windows keeps them in the registry);
   * "" = no self-check.
   */
  dcv_conf_file: field(PLATFORM.dcvConfFile, str),
  /** GPUs are read with this on every update; not there = no GPUs; '' = never look. */
  nvidia_smi_path: field(PLATFORM.nvidiaSmiPath, str),
  /** Time limit of one dcv command; a create runs two, so 2 x this + 2 s must stay below the director's agent_request_timeout. */
  dcv_timeout: field(10_000, duration(100)),
  /** Pre-deployed director CA (PEM): strict verification from the first connection, no TOFU. */
  ca_file: field('', str),
  /** An admin's join token (dcvix-join_…): registration is admitted without approval while it is valid. A secret: prefer join_token_file. */
  join_token: field('', str),
  /** File holding the join token (its first line), read at start; not together with join_token. */
  join_token_file: field('', str),
  reaper_interval: field(60_000, duration(100)),
  /** Sessions without connections idle longer than this are closed; 0 disables the reaper. */
  idle_timeout: field(4 * 3_600_000, duration(0)),
  reap_console_sessions: field(false, bool),
  /** The most virtual sessions the director places on this host (reported in every update); 0 = no limit. */
  max_virtual_sessions: field(0, int(0, MAX_VIRTUAL_SESSIONS)),
  /** Prometheus metrics on a plain-HTTP listener of their own (GET /metrics); false: no listener, prom-client not loaded. */
  metrics_enabled: field(true, bool),
  /** Address of the metrics listener; loopback by default, so only a local scraper (or a proxy) reads it. */
  metrics_host: field('127.0.0.1', str),
  /** Port of the metrics listener (0 = any free port, printed in the log). */
  metrics_port: field(8447, port),
  log_level: field<'debug' | 'info' | 'warn' | 'error'>('info', oneOf('debug', 'info', 'warn', 'error')),
};

export type AgentConfig = ConfigOf<typeof agentSchema> & {
  readonly configFile: string;
  /** The certificate in ca_file, read and checked at load; undefined without ca_file. */
  readonly caPem?: string;
  /** The join token from join_token or join_token_file, its form checked at load; undefined without. Never logged. */
  readonly joinToken?: string;
};
