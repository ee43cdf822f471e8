import { dirname, resolve } from 'node:path';
import { applySchema, ConfigError, readToml } from '../../shared/config-schema.ts';
import { directorSchema, type DirectorConfig } from './schema.ts';
import { parseCidr } from '../dcv/cidr.ts';
import { builtWebAppProblem } from '../web/disk-routes.ts';

export const DEFAULT_CONFIG_FILE = '/etc/dcvix/dcvix-director.conf';

/** read file -> fill defaults -> validate -> freeze. A missing default file means all defaults. */
export async function loadDirectorConfig(file = DEFAULT_CONFIG_FILE, explicit = false): Promise<DirectorConfig> {
  const raw = await readToml(file, !explicit);
  const cfg = applySchema(directorSchema, raw, file);
  if (cfg.token_key && !parseTokenKey(cfg.token_key)) {
    throw new ConfigError(`${file}: key "token_key" must be 32 bytes as 64 hex characters or base64`);
  }
  if (cfg.token_key_previous.some((k) => !parseTokenKey(k))) {
    throw new ConfigError(`${file}: key "token_key_previous" must list 32-byte keys as 64 hex characters or base64`);
  }
  for (const key of ['gateway_allow', 'metrics_allow'] as const) {
    for (const cidr of cfg[key]) {
      try {
        parseCidr(cidr);
      } catch {
        throw new ConfigError(`${file}: key "${key}" has "${cidr}", which is not an IP address or CIDR block`);
      }
    }
  }
  const webDir = cfg.web_dir ? resolve(dirname(resolve(file)), cfg.web_dir) : '';
  const webDirProblem = webDir ? builtWebAppProblem(webDir) : undefined;
  if (webDirProblem) throw new ConfigError(`${file}: key "web_dir" ${webDirProblem}`);
  const policyDir = cfg.policy_dir ? resolve(dirname(file), cfg.policy_dir) : dirname(resolve(file));
  return Object.freeze({
    ...cfg,
    data_dir: resolve(dirname(resolve(file)), cfg.data_dir),
    web_dir: webDir,
    configFile: resolve(file),
    policyDir,
  });
}

/** 32 key bytes from hex or base64, or undefined when the text is neither. */
export function parseTokenKey(text: string): Uint8Array | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return new Uint8Array(bytes);
  }
  return undefined;
}

export { ConfigError };
