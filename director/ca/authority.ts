import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../shared/clock.ts';
import { removeStaleTempFiles, writeFileAtomic } from '../../shared/fs-atomic.ts';
import { isSignedBy, parseCertPem, type CertInfo } from './cert-info.ts';
import { generateP256, keyPairFromPem, privateKeyToPem, publicKeySpki as spkiOf } from '../../shared/pki/keys.ts';
import { CA_CN, DIRECTOR_CN } from '../../shared/pki/names.ts';
import { toPem } from '../../shared/pki/pem.ts';
import { agentCertificateWriter } from './agent-certificate.ts';
import { buildCertificate, KeyUsage, publicKeyInfoOf, randomSerial } from './certificate-builder.ts';

const DAY = 86_400_000;
const TEN_YEARS = 3650 * DAY;
/** Agents' certificates live 14 days (the specification). */
export const AGENT_CERT_DAYS = 14;
/** Backdating absorbs small clock differences between director and agents. */
const BACKDATE = 5 * 60_000;

export const CA_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca.key',
  serverCert: 'dcvix-director.crt',
  serverKey: 'dcvix-director.key',
} as const;

export interface CertificateAuthority {
  caCertPem: string;
  ca: CertInfo;
  serverCertPem: string;
  serverKeyPem: string;
  /** SHA-256 fingerprint of the CA certificate, logged at start-up for out-of-band checks. */
  fingerprint: string;
  /** Signs an agent certificate for the key (SPKI DER) of an already checked CSR; returns PEM. */
  issueAgentCertificate(publicKeySpki: Uint8Array, guid: string): Promise<{ pem: string; notAfter: Date; serialHex: string }>;
}

export interface AuthorityOptions {
  dataDir: string;
  /** Extra DNS names or IPv4 addresses for the director's server certificate. */
  hostnames: readonly string[];
  clock: Clock;
  onEvent?: (msg: string, fields: Record<string, unknown>) => void;
}

/** Loads the CA from the data dir, creating the CA and the director's server certificate on first start. */
export async function openAuthority(opts: AuthorityOptions): Promise<CertificateAuthority> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  removeStaleTempFiles(opts.dataDir);
  const path = (f: string) => join(opts.dataDir, f);
  const now = () => new Date(opts.clock.now());

  let caKeys: CryptoKeyPair;
  let caCertPem: string;
  if (existsSync(path(CA_FILES.caKey)) && existsSync(path(CA_FILES.caCert))) {
    caKeys = await keyPairFromPem(readFileSync(path(CA_FILES.caKey), 'utf8'), 'P-256');
    caCertPem = readFileSync(path(CA_FILES.caCert), 'utf8');
  } else {
    // Failure mode (docs/failure-modes.md): a lost ca.key means a new CA; every agent has to register again.
    caKeys = await generateP256();
    const der = await buildCertificate(
      {
        subjectCn: CA_CN,
        subjectPublicKey: await publicKeyInfoOf(caKeys.publicKey),
        issuer: 'self',
        notBefore: new Date(now().getTime() - BACKDATE),
        notAfter: new Date(now().getTime() + TEN_YEARS),
        isCa: true,
        keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyCertSign, KeyUsage.cRLSign],
      },
      caKeys.privateKey,
    );
    caCertPem = toPem(der, 'CERTIFICATE');
    writeFileAtomic(path(CA_FILES.caKey), await privateKeyToPem(caKeys.privateKey), 0o600);
    writeFileAtomic(path(CA_FILES.caCert), caCertPem, 0o644);
    opts.onEvent?.('created a new CA', { file: path(CA_FILES.caCert) });
  }
  const ca = parseCertPem(caCertPem);
  const caPublicKeyInfo = await publicKeyInfoOf(caKeys.publicKey);
  const issuer = { cn: CA_CN, privateKey: caKeys.privateKey, publicKeyInfo: caPublicKeyInfo };

  let serverCertPem = existsSync(path(CA_FILES.serverCert)) ? readFileSync(path(CA_FILES.serverCert), 'utf8') : '';
  let serverKeyPem = existsSync(path(CA_FILES.serverKey)) ? readFileSync(path(CA_FILES.serverKey), 'utf8') : '';
  if (!serverCertPem || !serverKeyPem || !(await isSignedBy(parseCertPem(serverCertPem), ca))) {
    const serverKeys = await generateP256();
    const { dns, ips } = serverNames(opts.hostnames);
    const der = await buildCertificate(
      {
        subjectCn: DIRECTOR_CN,
        subjectPublicKey: await publicKeyInfoOf(serverKeys.publicKey),
        issuer,
        notBefore: new Date(now().getTime() - BACKDATE),
        notAfter: new Date(now().getTime() + TEN_YEARS),
        isCa: false,
        keyUsage: [KeyUsage.digitalSignature],
        // clientAuth too: the director presents this certificate to agents.
        extendedKeyUsage: ['serverAuth', 'clientAuth'],
        dnsNames: dns,
        ipAddresses: ips,
      },
      caKeys.privateKey,
    );
    serverCertPem = toPem(der, 'CERTIFICATE');
    serverKeyPem = await privateKeyToPem(serverKeys.privateKey);
    writeFileAtomic(path(CA_FILES.serverKey), serverKeyPem, 0o600);
    writeFileAtomic(path(CA_FILES.serverCert), serverCertPem, 0o644);
    opts.onEvent?.('issued the director server certificate', { dnsNames: dns, ipAddresses: ips });
  }

  const writeAgentCertificate = agentCertificateWriter({ cn: CA_CN, spki: await spkiOf(caKeys.publicKey), privateKey: caKeys.privateKey });

  return {
    caCertPem,
    ca,
    serverCertPem,
    serverKeyPem,
    fingerprint: ca.fingerprint,
    async issueAgentCertificate(publicKeySpki, guid) {
      const start = now().getTime();
      const notAfter = new Date(start + AGENT_CERT_DAYS * DAY);
      const serial = randomSerial();
      const der = writeAgentCertificate({ guid, publicKeySpki, serial, notBefore: new Date(start - BACKDATE), notAfter });
      return { pem: toPem(der, 'CERTIFICATE'), notAfter, serialHex: Buffer.from(serial).toString('hex') };
    },
  };
}

/** dcvix-director, localhost, the hostname, its FQDN, 127.0.0.1, plus configured names (the specification). */
export function serverNames(extra: readonly string[]): { dns: string[]; ips: string[] } {
  const names = new Set<string>([DIRECTOR_CN, 'localhost', hostname(), fqdn(), ...extra].filter(Boolean));
  const ips = new Set<string>(['127.0.0.1']);
  const dns: string[] = [];
  for (const name of names) {
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) ips.add(name);
    else dns.push(name);
  }
  return { dns, ips: [...ips] };
}

function fqdn(): string {
  try {
    const out = Bun.spawnSync(['hostname', '-f'], { stdout: 'pipe', stderr: 'ignore' });
    return out.exitCode === 0 ? out.stdout.toString().trim() : '';
  } catch {
    // No `hostname` command (a minimal container): the certificate names the other host names only.
    return '';
  }
}

/** The server certificate and key as they are on disk now (after an operator replaced them), if readable. */
export function readServerTls(dataDir: string): { cert: string; key: string } | undefined {
  try {
    const cert = readFileSync(join(dataDir, CA_FILES.serverCert), 'utf8');
    const key = readFileSync(join(dataDir, CA_FILES.serverKey), 'utf8');
    parseCertPem(cert);
    return { cert, key };
  } catch {
    // Missing or unreadable on disk: there is no replaced certificate to reload; the one in use stays.
    return undefined;
  }
}
