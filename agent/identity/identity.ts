import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { removeStaleTempFiles, writeFileAtomic } from '../../shared/fs-atomic.ts';
import { bytesEqual, certFacts, type CertFacts } from '../../shared/pki/native-cert.ts';
import { generateEd25519, keyPairFromPem, privateKeyToPem, publicKeySpki } from '../../shared/pki/keys.ts';
import { agentCn, isGuid } from '../../shared/pki/names.ts';
import { restrictToAdministrators } from '../windows/private-acl.ts';
import { identityPaths, type IdentityPaths } from './files.ts';

export interface AgentIdentity {
  guid: string;
  keys: CryptoKeyPair;
  keyPem: string;
  spki: Uint8Array;
  paths: IdentityPaths;
}

export class DataDirError extends Error {}

/** data_dir must exist (created 0700) and be writable, or start-up fails with a clear message. */
export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK | constants.R_OK);
    removeStaleTempFiles(dataDir);
  } catch (err) {
    throw new DataDirError(`data_dir ${dataDir} cannot be created or written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Loads or creates the Ed25519 key (0600) and the GUID. A lost key means a new identity: new key and
 * new GUID, and any old certificate is dropped (a failure mode of the specification, see docs/failure-modes.md).
 * On Windows a new key's directory and file are closed to all but SYSTEM and Administrators (`protect`,
 * injectable for tests) before the key is written into it.
 */
export async function ensureIdentity(dataDir: string, protect = restrictToAdministrators): Promise<AgentIdentity & { created: boolean }> {
  const paths = identityPaths(dataDir);
  let created = false;
  let keyPem: string;
  if (existsSync(paths.key)) {
    keyPem = readFileSync(paths.key, 'utf8');
  } else {
    const keys = await generateEd25519();
    keyPem = await privateKeyToPem(keys.privateKey);
    for (const stale of [paths.cert, paths.guid]) if (existsSync(stale)) unlinkSync(stale);
    await protect(dataDir, true);
    writeFileAtomic(paths.key, keyPem, 0o600);
    await protect(paths.key, false);
    created = true;
  }
  const keys = await keyPairFromPem(keyPem, 'Ed25519');
  let guid = existsSync(paths.guid) ? readFileSync(paths.guid, 'utf8').trim() : '';
  if (!isGuid(guid)) {
    guid = crypto.randomUUID();
    writeFileAtomic(paths.guid, `${guid}\n`, 0o644);
  }
  return { guid, keys, keyPem, spki: await publicKeySpki(keys.publicKey), paths, created };
}

export interface StoredCertificate {
  pem: string;
  info: CertFacts;
  caPem: string;
  /** When the certificate was stored here (file mtime): renewal intervals count from it. */
  obtainedAt: number;
}

/** The stored certificate if it is ours (CN and key) and readable; expiry is the caller's question. */
export function loadCertificate(id: AgentIdentity): StoredCertificate | undefined {
  if (!existsSync(id.paths.cert) || !existsSync(id.paths.ca)) return undefined;
  try {
    const pem = readFileSync(id.paths.cert, 'utf8');
    const info = certFacts(pem);
    if (info.subjectCn !== agentCn(id.guid) || !bytesEqual(info.publicKeySpki, id.spki)) return undefined;
    return { pem, info, caPem: readFileSync(id.paths.ca, 'utf8'), obtainedAt: statSync(id.paths.cert).mtimeMs };
  } catch {
    // Unreadable or not a certificate: as if there were none, so the agent registers (and says so).
    return undefined;
  }
}

/** Stores a certificate (and the CA) atomically; the key never changes here. */
export function storeCertificate(id: AgentIdentity, certPem: string, caPem?: string): void {
  if (caPem) writeFileAtomic(id.paths.ca, caPem, 0o644);
  writeFileAtomic(id.paths.cert, certPem, 0o644);
}

export function readCaIfPresent(path: string): string | undefined {
  return path && existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
