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
  for (const key of ['gateway_allow', 'metrics_allow', 'trusted_proxies'] as const) {
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
  const storePassword = await storePasswordOf(cfg, file);
  const storeCaKey = await storeCaKeyOf(cfg, file);
  const out = {
    ...cfg,
    data_dir: resolve(dirname(resolve(file)), cfg.data_dir),
    web_dir: webDir,
    configFile: resolve(file),
    policyDir,
  };
  // Not enumerable: a config dumped for debugging never shows it.
  Object.defineProperty(out, 'storePassword', { value: storePassword, enumerable: false });
  Object.defineProperty(out, 'storeCaKey', { value: storeCaKey, enumerable: false });
  return Object.freeze(out) as DirectorConfig;
}

/**
 * store_url must be empty or a postgres:// URL without a password in it (a config file is often
 * readable by more people than a secret file). The password comes from store_password_file (first
 * line, relative to the config file) or DCVIX_STORE_PASSWORD.
 */
async function storePasswordOf(cfg: { store_url: string; store_password_file: string }, file: string): Promise<string | undefined> {
  if (!cfg.store_url) return undefined;
  let url: URL;
  try {
    url = new URL(cfg.store_url);
  } catch {
    throw new ConfigError(`${file}: key "store_url" is not a URL (expected postgres://user@host:5432/database)`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new ConfigError(`${file}: key "store_url" must be a postgres:// URL or empty`);
  if (url.password) throw new ConfigError(`${file}: key "store_url" must not contain a password; use store_password_file or DCVIX_STORE_PASSWORD`);
  if (cfg.store_password_file) {
    const path = resolve(dirname(resolve(file)), cfg.store_password_file);
    const pw = (await readSecretFile(file, 'store_password_file', cfg.store_password_file)).split('\n')[0]!.trim();
    if (!pw) throw new ConfigError(`${file}: store_password_file is empty`);
    return pw;
  }
  return process.env.DCVIX_STORE_PASSWORD || undefined;
}

/**
 * With a PostgreSQL store: the key sealing the shared CA key (store_ca_key_file, else
 * DCVIX_STORE_CA_KEY), and a token_key (directors sharing a store must verify each other's tokens).
 */
async function storeCaKeyOf(cfg: { store_url: string; store_ca_key_file: string; token_key: string }, file: string): Promise<Uint8Array | undefined> {
  if (!cfg.store_url) return undefined;
  if (!cfg.token_key) throw new ConfigError(`${file}: key "token_key" is required with store_url: every director sharing a store must use the same token key`);
  const text = cfg.store_ca_key_file ? (await readSecretFile(file, 'store_ca_key_file', cfg.store_ca_key_file)).trim() : (process.env.DCVIX_STORE_CA_KEY ?? '');
  const key = parseTokenKey(text);
  if (!key) throw new ConfigError(`${file}: a PostgreSQL store needs the store CA key (32 bytes, 64 hex characters) in store_ca_key_file or DCVIX_STORE_CA_KEY`);
  return key;
}

async function readSecretFile(configFile: string, key: string, value: string): Promise<string> {
  const path = resolve(dirname(resolve(configFile)), value);
  return Bun.file(path).text().catch(() => {
    throw new ConfigError(`${configFile}: ${key} ${path} cannot be read`);
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
