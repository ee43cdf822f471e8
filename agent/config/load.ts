import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseJoinToken } from '../../shared/api/join-token.ts';
import { applySchema, ConfigError, readToml } from '../../shared/config-schema.ts';
import { platformPaths, programPath } from './platform-paths.ts';
import { agentSchema, type AgentConfig } from './schema.ts';
import { DCV_REGISTRY_SOURCE } from '../selfcheck/source.ts';

/** /etc/dcvix/dcvix-agent.conf, or %ProgramData%\dcvix\dcvix-agent.conf on Windows. */
export const DEFAULT_AGENT_CONFIG_FILE = platformPaths().configFile;

/**
 * read file -> defaults -> parse and check every value (ca_file read and parsed) -> freeze; relative
 * paths resolve against the config file. Nothing is written: a bad config leaves data_dir untouched.
 */
export async function loadAgentConfig(file = DEFAULT_AGENT_CONFIG_FILE, explicit = false): Promise<AgentConfig> {
  const raw = await readToml(file, !explicit);
  const cfg = applySchema(agentSchema, raw, file);
  let url: URL;
  try {
    url = new URL(cfg.director_url);
  } catch {
    throw new ConfigError(`${file}: key "director_url" must be an https:// URL`);
  }
  if (url.protocol !== 'https:') throw new ConfigError(`${file}: key "director_url" must be an https:// URL`);
  const base = dirname(resolve(file));
  const caFile = cfg.ca_file ? resolve(base, cfg.ca_file) : '';
  return Object.freeze({
    ...cfg,
    director_url: url.origin,
    data_dir: resolve(base, cfg.data_dir),
    dcv_path: programPath(base, cfg.dcv_path),
    nvidia_smi_path: cfg.nvidia_smi_path && resolve(base, cfg.nvidia_smi_path),
    dcv_conf_file: cfg.dcv_conf_file === DCV_REGISTRY_SOURCE ? cfg.dcv_conf_file : cfg.dcv_conf_file && resolve(base, cfg.dcv_conf_file),
    ca_file: caFile,
    caPem: caFile ? readCaFile(file, caFile) : undefined,
    join_token_file: cfg.join_token_file ? resolve(base, cfg.join_token_file) : '',
    joinToken: readJoinToken(file, cfg.join_token, cfg.join_token_file ? resolve(base, cfg.join_token_file) : ''),
    configFile: resolve(file),
  });
}

/**
 * The join token, from the key or the file's first line. Its form is checked here (the secret itself
 * only by the director), so a mistyped token stops start-up instead of failing every registration;
 * no message quotes it.
 */
function readJoinToken(file: string, inline: string, path: string): string | undefined {
  if (inline && path) throw new ConfigError(`${file}: keys "join_token" and "join_token_file" exclude each other`);
  let token = inline.trim();
  let key = 'join_token';
  if (path) {
    key = 'join_token_file';
    try {
      token = (readFileSync(path, 'utf8').split('\n')[0] ?? '').trim();
    } catch (err) {
      throw new ConfigError(`${file}: key "join_token_file": ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (!token && !path) return undefined;
  if (!parseJoinToken(token)) throw new ConfigError(`${file}: key "${key}" must hold a join token as the director made it: dcvix-join_ then 16 hex digits, "_" and 43 base64url characters`);
  return token;
}

/**
 * The pre-deployed director CA. A named file that is missing or holds no certificate is an error:
 * falling back to trust-on-first-use would silently drop the protection ca_file was set for.
 */
function readCaFile(file: string, path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: key "ca_file": ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new ConfigError(`${file}: key "ca_file": ${path} holds no PEM certificate`);
  }
  return pem;
}

export { ConfigError };
