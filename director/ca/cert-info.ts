import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { installPkiEngine } from './engine.ts';
import { commonName } from './x500.ts';
import { fromPem, toArrayBuffer } from '../../shared/pki/pem.ts';
import { sha256Fingerprint } from '../../shared/pki/native-cert.ts';

/** The facts of a certificate that dcvix decides on. */
export interface CertInfo {
  subjectCn: string | undefined;
  issuerCn: string | undefined;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  publicKeySpki: Uint8Array;
  /** SHA-256 of the DER, lower-case hex with colons (as openssl prints it). */
  fingerprint: string;
  certificate: pkijs.Certificate;
}

export function parseCertDer(der: Uint8Array): CertInfo {
  installPkiEngine();
  const asn1 = asn1js.fromBER(toArrayBuffer(der));
  if (asn1.offset === -1) throw new Error('certificate is not valid DER');
  const certificate = new pkijs.Certificate({ schema: asn1.result });
  return {
    subjectCn: commonName(certificate.subject),
    issuerCn: commonName(certificate.issuer),
    serialHex: Buffer.from(certificate.serialNumber.valueBlock.valueHexView).toString('hex'),
    notBefore: certificate.notBefore.value,
    notAfter: certificate.notAfter.value,
    publicKeySpki: new Uint8Array(certificate.subjectPublicKeyInfo.toSchema().toBER(false)),
    fingerprint: sha256Fingerprint(der),
    certificate,
  };
}

export function parseCertPem(pem: string): CertInfo {
  return parseCertDer(fromPem(pem, 'CERTIFICATE'));
}

/** Checks that `cert` was signed by `issuer` (signature only; validity is the caller's). */
export async function isSignedBy(cert: CertInfo, issuer: CertInfo): Promise<boolean> {
  try {
    return await cert.certificate.verify(issuer.certificate);
  } catch {
    // Not verifiable (another key type, a broken certificate) means not signed by that issuer.
    return false;
  }
}
