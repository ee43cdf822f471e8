import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ED25519_OID, installPkiEngine } from './engine.ts';
import { toArrayBuffer } from '../../shared/pki/pem.ts';
import { commonName } from './x500.ts';

/** What a parsed, signature-checked CSR tells. */
export interface ParsedCsr {
  commonName: string | undefined;
  /** OID of the subject key's algorithm (Ed25519: 1.3.101.112). */
  keyAlgorithm: string;
  /** DER of the SubjectPublicKeyInfo: compare keys by these bytes. */
  publicKeySpki: Uint8Array;
  signatureValid: boolean;
  /** The parsed object, for issuing. */
  request: pkijs.CertificationRequest;
}

/** Parses DER; throws on anything that is not a PKCS#10 structure. */
export async function parseCsr(der: Uint8Array): Promise<ParsedCsr> {
  installPkiEngine();
  const asn1 = asn1js.fromBER(toArrayBuffer(der));
  if (asn1.offset === -1 || asn1.offset !== der.byteLength) throw new Error('CSR is not valid DER');
  const request = new pkijs.CertificationRequest({ schema: asn1.result });
  let signatureValid = false;
  try {
    signatureValid = await request.verify();
  } catch {
    // A signature that cannot even be checked (odd algorithm, broken key) does not verify.
    signatureValid = false;
  }
  return {
    commonName: commonName(request.subject),
    keyAlgorithm: request.subjectPublicKeyInfo.algorithm.algorithmId,
    publicKeySpki: new Uint8Array(request.subjectPublicKeyInfo.toSchema().toBER(false)),
    signatureValid,
    request,
  };
}

export const isEd25519Key = (csr: ParsedCsr) => csr.keyAlgorithm === ED25519_OID;
