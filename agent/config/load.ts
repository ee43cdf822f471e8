import { dirname, resolve } from 'node:path';
import { applySchema, ConfigError, readToml } from '../../shared/config-schema.ts';
import { agentSchema, type AgentConfig } from './schema.ts';

export const DEFAULT_AGENT_CONFIG_FILE = '/etc/dcvix/dcvix-agent.conf';

/** read file -> defaults -> validate -> freeze; relative paths resolve against the config file. */
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
  return Object.freeze({
    ...cfg,
    director_url: url.origin,
    data_dir: resolve(base, cfg.data_dir),
    dcv_path: cfg.dcv_path.includes('/') ? resolve(base, cfg.dcv_path) : cfg.dcv_path,
    ca_file: cfg.ca_file ? resolve(base, cfg.ca_file) : '',
    configFile: resolve(file),
  });
}

export { ConfigError };
