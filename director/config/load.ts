import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { applySchema, ConfigError, readToml } from '../../shared/config-schema.ts';
import { directorSchema, type DirectorConfig } from './schema.ts';
import { readPublicTls } from './public-tls.ts';
import { parseTokenKey } from './typed-fields.ts';

export const DEFAULT_CONFIG_FILE = '/etc/dcvix/dcvix-director.conf';

/**
 * read file -> fill defaults -> parse into typed values (key bytes, CIDR blocks, milliseconds) ->
 * check the secret and login files the config names -> freeze. Nothing is written: a bad config stops
 * start-up before data_dir is touched. A missing default file means all defaults. The web app in
 * web_dir and the policy files are checked by the capabilities that own them, which config/ does not
 * import (it is infrastructure): director/load-config.ts adds those checks.
 */
export async function readDirectorConfig(file = DEFAULT_CONFIG_FILE, explicit = false): Promise<Omit<DirectorConfig, 'policy'>> {
  const raw = await readToml(file, !explicit);
  const cfg = applySchema(directorSchema, raw, file);
  const base = dirname(resolve(file));
  const policyDir = cfg.policy_dir ? resolve(base, cfg.policy_dir) : base;
  const storePassword = await storePasswordOf(cfg, file);
  const storeCaKey = await storeCaKeyOf(cfg, file);
  const out = {
    ...cfg,
    data_dir: resolve(base, cfg.data_dir),
    web_dir: cfg.web_dir ? resolve(base, cfg.web_dir) : '',
    ...publicTlsFiles(cfg, file),
    audit: { ...cfg.audit, file: cfg.audit.file ? resolve(base, cfg.audit.file) : '' },
    auth: authWithPaths(cfg.auth, file),
    otp: otpWithPaths(cfg.otp, file),
    configFile: resolve(file),
    policyDir,
  };
  // Not enumerable: a config dumped for debugging never shows them.
  for (const [key, value] of Object.entries({ storePassword, storeCaKey, token_key: cfg.token_key, token_key_previous: cfg.token_key_previous })) {
    Object.defineProperty(out, key, { value, enumerable: false });
  }
  return Object.freeze(out) as Omit<DirectorConfig, 'policy'>;
}

/**
 * public_tls_cert_file and public_tls_key_file: both or neither, resolved against the config file, and
 * a certificate with its key; public_port and public_hostnames need them, public_port another port.
 */
function publicTlsFiles(cfg: { public_tls_cert_file: string; public_tls_key_file: string; public_port: number; public_hostnames: string[]; director_port: number }, file: string) {
  const certFile = cfg.public_tls_cert_file && resolve(dirname(resolve(file)), cfg.public_tls_cert_file);
  const keyFile = cfg.public_tls_key_file && resolve(dirname(resolve(file)), cfg.public_tls_key_file);
  if (!certFile !== !keyFile) throw new ConfigError(`${file}: keys "public_tls_cert_file" and "public_tls_key_file" go together`);
  const used = cfg.public_port ? 'public_port' : cfg.public_hostnames.length ? 'public_hostnames' : '';
  if (used && !certFile) throw new ConfigError(`${file}: key "${used}" needs public_tls_cert_file and public_tls_key_file`);
  if (cfg.public_port && cfg.public_port === cfg.director_port) throw new ConfigError(`${file}: key "public_port" must differ from director_port`);
  if (certFile) {
    try {
      readPublicTls(certFile, keyFile);
    } catch (err) {
      throw new ConfigError(`${file}: key "public_tls_cert_file": ${(err as Error).message}`);
    }
  }
  return { public_tls_cert_file: certFile, public_tls_key_file: keyFile };
}

type DirectorSections = Pick<ReturnType<typeof applySchema<typeof directorSchema>>, 'auth' | 'otp'>;

/** Files of the enabled login backends, resolved against the config file and checked readable. */
function authWithPaths(auth: DirectorSections['auth'], file: string): DirectorSections['auth'] {
  const on = (name: string) => auth.backends.includes(name);
  return Object.freeze({
    ...auth,
    ldap: Object.freeze({
      ...auth.ldap,
      ca_file: readablePath(file, 'auth.ldap.ca_file', auth.ldap.ca_file, on('ldap')),
      bind_password_file: readablePath(file, 'auth.ldap.bind_password_file', auth.ldap.bind_password_file, on('ldap')),
    }),
    radius: Object.freeze({ ...auth.radius, secret_file: readablePath(file, 'auth.radius.secret_file', auth.radius.secret_file, on('radius')) }),
  });
}

function otpWithPaths(otp: DirectorSections['otp'], file: string): DirectorSections['otp'] {
  const privacyidea = { ...otp.privacyidea, ca_file: readablePath(file, 'otp.privacyidea.ca_file', otp.privacyidea.ca_file, otp.backend === 'privacyidea') };
  return Object.freeze({ ...otp, privacyidea: Object.freeze(privacyidea) });
}

/** `value` resolved against the config file's directory; when `check`, it must be a readable file. */
function readablePath(file: string, key: string, value: string, check: boolean): string {
  if (!value) return value;
  const path = resolve(dirname(resolve(file)), value);
  if (check) {
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new ConfigError(`${file}: key "${key}": ${path} cannot be read`);
    }
  }
  return path;
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
async function storeCaKeyOf(cfg: { store_url: string; store_ca_key_file: string; token_key: Uint8Array | undefined }, file: string): Promise<Uint8Array | undefined> {
  if (!cfg.store_url) return undefined;
  if (!cfg.token_key) throw new ConfigError(`${file}: key "token_key" is required with store_url: every director sharing a store must use the same token key`);
  const text = cfg.store_ca_key_file ? (await readSecretFile(file, 'store_ca_key_file', cfg.store_ca_key_file)).trim() : (process.env.DCVIX_STORE_CA_KEY ?? '');
  const key = parseTokenKey(text);
  if (!key) throw new ConfigError(`${file}: a PostgreSQL store needs the store CA key (32 bytes, 64 hex characters) in store_ca_key_file or DCVIX_STORE_CA_KEY`);
  return key;
}

/** Runs a check that throws ConfigError naming a key, and prefixes the message with the config file. */
export function namingConfigFile<T>(file: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: ${err.message}`);
    throw err;
  }
}

async function readSecretFile(configFile: string, key: string, value: string): Promise<string> {
  const path = resolve(dirname(resolve(configFile)), value);
  return Bun.file(path)
    .text()
    .catch(() => {
      throw new ConfigError(`${configFile}: ${key} ${path} cannot be read`);
    });
}

export { ConfigError };
