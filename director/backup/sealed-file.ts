import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { argon2id } from 'hash-wasm';
import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A backup file: a clear header, then the contents sealed with a key derived from a passphrase.
 *   "DCVIXBAK" | format 1 (1 byte) | argon2id memory KiB (u32 BE) | iterations (u32) | parallelism (u8)
 *   | salt (16) | key check (32) | nonce (24) | XChaCha20-Poly1305 ciphertext + tag (header as AAD)
 * argon2id gives 64 bytes: the first 32 are the key, the last 32 the key check stored in the header, so
 * a wrong passphrase is told apart from a damaged or altered file (the check costs a guesser exactly
 * what a trial decryption would). Every byte of the header is authenticated as the AAD.
 */
const MAGIC = Buffer.from('DCVIXBAK');
const FORMAT = 1;
const HEADER_BYTES = MAGIC.length + 1 + 4 + 4 + 1 + 16 + 32 + 24;
const TAG_BYTES = 16;

/** argon2id cost for new files (OWASP's first choice is 19 MiB x 2; this spends more, once per backup). */
export const KDF_COST = { memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 };
// A crafted header must not make a restore spend gigabytes or minutes before the check fails.
const KDF_LIMIT = { memoryKiB: 1024 * 1024, iterations: 20, parallelism: 8 };

/** The file cannot be opened: `reason` says why in words an operator can act on. */
export class BackupFileError extends Error {
  constructor(
    readonly reason: 'not-a-backup' | 'truncated' | 'wrong-passphrase' | 'damaged',
    message: string,
  ) {
    super(message);
  }
}

async function deriveKey(passphrase: string, salt: Uint8Array, cost: typeof KDF_COST): Promise<{ key: Uint8Array; check: Uint8Array }> {
  const out = await argon2id({ password: passphrase, salt, memorySize: cost.memoryKiB, iterations: cost.iterations, parallelism: cost.parallelism, hashLength: 64, outputType: 'binary' });
  return { key: out.subarray(0, 32), check: out.subarray(32) };
}

/** Seals `contents` with `passphrase` (a fresh salt and nonce each time). */
export async function sealBackup(contents: Uint8Array, passphrase: string, cost = KDF_COST): Promise<Uint8Array> {
  const salt = randomBytes(16);
  const nonce = randomBytes(24);
  const { key, check } = await deriveKey(passphrase, salt, cost);
  const header = Buffer.alloc(HEADER_BYTES);
  let at = MAGIC.copy(header, 0);
  at = header.writeUInt8(FORMAT, at);
  at = header.writeUInt32BE(cost.memoryKiB, at);
  at = header.writeUInt32BE(cost.iterations, at);
  at = header.writeUInt8(cost.parallelism, at);
  at += Buffer.from(salt).copy(header, at);
  at += Buffer.from(check).copy(header, at);
  Buffer.from(nonce).copy(header, at);
  const sealed = xchacha20poly1305(key, nonce, header).encrypt(contents);
  return Buffer.concat([header, sealed]);
}

/**
 * Opens a sealed backup. Nothing is returned unless every byte is authentic.
 * @throws BackupFileError: not a backup file, cut short, wrong passphrase, or damaged/altered
 */
export async function openBackup(file: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new BackupFileError('not-a-backup', 'not a dcvix-director backup file');
  if (bytes.length < HEADER_BYTES + TAG_BYTES) throw new BackupFileError('truncated', 'the backup file is truncated (shorter than its header)');
  let at = MAGIC.length;
  const format = bytes.readUInt8(at++);
  if (format !== FORMAT) throw new BackupFileError('not-a-backup', `backup format ${format} is not known to this director (it reads format ${FORMAT})`);
  const cost = { memoryKiB: bytes.readUInt32BE(at), iterations: bytes.readUInt32BE(at + 4), parallelism: bytes.readUInt8(at + 8) };
  at += 9;
  if (cost.memoryKiB < 8 || cost.memoryKiB > KDF_LIMIT.memoryKiB || cost.iterations < 1 || cost.iterations > KDF_LIMIT.iterations || cost.parallelism < 1 || cost.parallelism > KDF_LIMIT.parallelism) {
    throw new BackupFileError('damaged', 'the backup file is damaged or altered (its key derivation settings are out of range)');
  }
  const salt = bytes.subarray(at, at + 16);
  const storedCheck = bytes.subarray(at + 16, at + 48);
  const nonce = bytes.subarray(at + 48, at + 72);
  const { key, check } = await deriveKey(passphrase, salt, cost);
  if (!timingSafeEqual(check, storedCheck)) throw new BackupFileError('wrong-passphrase', 'wrong passphrase for this backup file');
  try {
    return xchacha20poly1305(key, nonce, bytes.subarray(0, HEADER_BYTES)).decrypt(bytes.subarray(HEADER_BYTES));
  } catch {
    throw new BackupFileError('damaged', 'the backup file is truncated, damaged or altered (its contents fail authentication)');
  }
}
