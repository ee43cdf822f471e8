import { resolve } from 'node:path';
import { ConfigError, DEFAULT_CONFIG_FILE, readDirectorConfig } from './config/load.ts';
import type { DirectorConfig } from './config/schema.ts';
import { readPolicyFiles, type LoadedPolicy } from './policy/holder.ts';
import { builtWebAppProblem } from './web/disk-routes.ts';

/**
 * The director's config as start-up takes it: config/ reads and checks the TOML and the secret and
 * login files it names; then the web app in web_dir and the policy files (users.json, pools.json) are
 * checked by the capabilities that own them, so a bad one stops start-up, naming the config file,
 * before anything is written. Part of the composition root: config/ is infrastructure and imports no capability.
 */
export async function loadDirectorConfig(file = DEFAULT_CONFIG_FILE, explicit = false): Promise<DirectorConfig> {
  const config = await readDirectorConfig(file, explicit);
  const webDirProblem = config.web_dir ? builtWebAppProblem(config.web_dir) : undefined;
  if (webDirProblem) throw new ConfigError(`${file}: key "web_dir" ${webDirProblem}`);
  const policy = policyOf(config.policyDir, file);
  // Copied by descriptor: the secrets stay non-enumerable, as config/ made them.
  return Object.freeze(Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(config), policy: { value: policy, enumerable: true } })) as DirectorConfig;
}

/** users.json and pools.json, checked now so a bad policy fails start-up before anything is written. */
function policyOf(policyDir: string, file: string): LoadedPolicy {
  try {
    return readPolicyFiles(policyDir);
  } catch (err) {
    throw new ConfigError(`${resolve(policyDir, (err as Error).message)} (policy of ${file})`);
  }
}
