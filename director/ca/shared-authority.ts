/**
 * Directors sharing a PostgreSQL store share one CA and one token key. The first director to start
 * puts its CA into the store (table cluster_identity), the CA private key sealed with the store CA key
 * (XChaCha20-Poly1305, config store_ca_key_file or DCVIX_STORE_CA_KEY); later directors install that
 * CA into their data_dir before opening it. A director whose own CA or token key differs from the
 * store's refuses to start, saying which. The check runs under an advisory lock so two first
 * directors cannot both initialise.
 */
import type { SQL } from 'bun';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs-atomic.ts';
import { parseCertPem } from './cert-info.ts';
import { ADVISORY_LOCKS } from '../store/postgres.ts';
import { CA_FILES, openAuthority, type AuthorityOptions, type CertificateAuthority } from './authority.ts';

const AAD = new TextEncoder().encode('dcvix ca key v1');

/** Seals the CA key PEM: 24-byte nonce || ciphertext+tag. */
export function sealCaKey(pem: string, key: Uint8Array): Uint8Array {
  const nonce = randomBytes(24);
  const box = xchacha20poly1305(key, nonce, AAD).encrypt(new TextEncoder().encode(pem));
  return new Uint8Array(Buffer.concat([nonce, box]));
}

/** Opens a sealed CA key; throws when the key is wrong or the data was altered. */
export function openCaKey(sealed: Uint8Array, key: Uint8Array): string {
  const nonce = sealed.subarray(0, 24);
  return new TextDecoder().decode(xchacha20poly1305(key, nonce, AAD).decrypt(sealed.subarray(24)));
}

/** A keyed check value of the token key: equal keys give equal values, the value reveals nothing of the key. */
export function tokenKeyCheck(tokenKey: Uint8Array): string {
  return createHmac('sha256', tokenKey).update('dcvix token key check v1').digest('hex');
}

export class ClusterMismatchError extends Error {}

/**
 * Opens the CA, shared through the store when `sql` is given. `sealKey` (32 bytes) and `tokenKey` are
 * required then: several directors cannot work with an ephemeral token key.
 */
export async function openSharedAuthority(opts: AuthorityOptions & { sql: SQL; sealKey: Uint8Array; tokenKey: Uint8Array }): Promise<CertificateAuthority> {
  const conn = await opts.sql.reserve();
  try {
    await conn`SELECT pg_advisory_lock(${ADVISORY_LOCKS.identity})`;
    try {
      const [row] = await conn`SELECT ca_cert_pem, ca_key_sealed, token_key_check FROM cluster_identity WHERE id = 1`;
      const check = tokenKeyCheck(opts.tokenKey);
      if (row) {
        if (row.token_key_check !== check) {
          throw new ClusterMismatchError('token_key differs from the token key the other directors on this store use; configure the same token_key on every director');
        }
        installStoreCa(opts.dataDir, row.ca_cert_pem, new Uint8Array(row.ca_key_sealed), opts.sealKey);
        return await openAuthority(opts);
      }
      const ca = await openAuthority(opts);
      const keyPem = readFileSync(join(opts.dataDir, CA_FILES.caKey), 'utf8');
      await conn`INSERT INTO cluster_identity (id, ca_cert_pem, ca_key_sealed, token_key_check, created_at)
        VALUES (1, ${ca.caCertPem}, ${sealCaKey(keyPem, opts.sealKey)}, ${check}, ${Date.now()})`;
      opts.onEvent?.('CA and token key check stored for the other directors', { fingerprintSha256: ca.fingerprint });
      return ca;
    } finally {
      await conn`SELECT pg_advisory_unlock(${ADVISORY_LOCKS.identity})`;
    }
  } finally {
    conn.release();
  }
}

/** Writes the store's CA into data_dir, or refuses when data_dir already holds another CA. */
function installStoreCa(dataDir: string, certPem: string, sealed: Uint8Array, sealKey: Uint8Array): void {
  const certFile = join(dataDir, CA_FILES.caCert);
  if (existsSync(certFile)) {
    const mine = parseCertPem(readFileSync(certFile, 'utf8')).fingerprint;
    const theirs = parseCertPem(certPem).fingerprint;
    if (mine === theirs) return;
    throw new ClusterMismatchError(
      `this director's CA (${certFile}, SHA-256 ${mine}) differs from the CA in the store (SHA-256 ${theirs}); ` +
        'move its data_dir CA files away to join the store\'s CA, or point it at its own store',
    );
  }
  let keyPem: string;
  try {
    keyPem = openCaKey(sealed, sealKey);
  } catch {
    throw new ClusterMismatchError('the store CA key (store_ca_key_file / DCVIX_STORE_CA_KEY) cannot open the CA key in the store; configure the same key on every director');
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(join(dataDir, CA_FILES.caKey), keyPem, 0o600);
  writeFileAtomic(certFile, certPem, 0o644);
}
