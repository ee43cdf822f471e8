import { createPublicKey, verify } from 'node:crypto';
import { ED25519_OID } from './engine.ts';
import { bitStringBytes, bytesOf, childrenOf, contentOf, type DerElement, oidOf, readElement, TAG } from './der-reader.ts';

/** What a parsed, signature-checked CSR tells. */
export interface ParsedCsr {
  commonName: string | undefined;
  /** OID of the subject key's algorithm (Ed25519: 1.3.101.112). */
  keyAlgorithm: string;
  /** DER of the SubjectPublicKeyInfo: compare keys by these bytes. */
  publicKeySpki: Uint8Array;
  signatureValid: boolean;
}

const CN_OID = '2.5.4.3';
const EC_KEY = '1.2.840.10045.2.1';
const RSA_KEY = '1.2.840.113549.1.1.1';

/**
 * Signature algorithms a request may be signed with: the key type they need and the digest. Only
 * Ed25519 keys are issued for, but a request signed with another key is still verified, so that it is
 * refused for its key type, not for its signature.
 */
const SIGNATURES: Record<string, { key: string; digest: string | null }> = {
  [ED25519_OID]: { key: ED25519_OID, digest: null },
  '1.2.840.10045.4.1': { key: EC_KEY, digest: 'sha1' },
  '1.2.840.10045.4.3.2': { key: EC_KEY, digest: 'sha256' },
  '1.2.840.10045.4.3.3': { key: EC_KEY, digest: 'sha384' },
  '1.2.840.10045.4.3.4': { key: EC_KEY, digest: 'sha512' },
  '1.2.840.113549.1.1.5': { key: RSA_KEY, digest: 'sha1' },
  '1.2.840.113549.1.1.11': { key: RSA_KEY, digest: 'sha256' },
  '1.2.840.113549.1.1.12': { key: RSA_KEY, digest: 'sha384' },
  '1.2.840.113549.1.1.13': { key: RSA_KEY, digest: 'sha512' },
};

/**
 * Reads a PKCS#10 request (RFC 2986) from DER and checks its signature over the request info; throws on
 * anything that is not a DER PKCS#10 structure. Read by hand: pkijs took ~0.6 ms a request on Bun.
 */
export function parseCsr(der: Uint8Array): ParsedCsr {
  const request = readElement(der, 0, der.length, TAG.sequence);
  if (request.end !== der.length) throw new Error('CSR: bytes after the request');
  const outer = childrenOf(der, request);
  if (outer.length !== 3) throw new Error('CSR: expected info, signature algorithm and signature');
  const [info, signatureAlgorithm, signature] = outer as [DerElement, DerElement, DerElement];
  expectTag(info, TAG.sequence);
  // Version, subject, key and the attributes (which pkijs, like RFC 2986's readers, takes as optional).
  const fields = childrenOf(der, info);
  if (fields.length !== 3 && fields.length !== 4) throw new Error('CSR: expected version, subject, key and attributes');
  const [version, subject, spki, attributes] = fields as [DerElement, DerElement, DerElement, DerElement | undefined];
  expectTag(version, TAG.integer);
  if (attributes) readAttributes(der, attributes);
  const keyAlgorithm = readSpki(der, spki);
  const algorithm = algorithmOf(der, signatureAlgorithm);
  const signatureBytes = bitStringBytes(der, signature);
  // A copy, not a view into the request: it is stored and compared long after.
  const publicKeySpki = bytesOf(der, spki).slice();
  return {
    commonName: firstCommonName(der, subject),
    keyAlgorithm,
    publicKeySpki,
    signatureValid: verifies(algorithm, keyAlgorithm, bytesOf(der, info), publicKeySpki, signatureBytes),
  };
}

export const isEd25519Key = (csr: ParsedCsr) => csr.keyAlgorithm === ED25519_OID;

function expectTag(element: DerElement, tag: number): void {
  if (element.tag !== tag) throw new Error(`CSR: expected tag 0x${tag.toString(16)}`);
}

/** AlgorithmIdentifier: the OID (parameters, if any, are not needed by the algorithms used here). */
function algorithmOf(der: Uint8Array, element: DerElement): string {
  expectTag(element, TAG.sequence);
  const parts = childrenOf(der, element);
  if (parts.length !== 1 && parts.length !== 2) throw new Error('CSR: malformed algorithm identifier');
  return oidOf(der, parts[0]!);
}

/** SubjectPublicKeyInfo: checks its shape, returns the key algorithm's OID. */
function readSpki(der: Uint8Array, spki: DerElement): string {
  expectTag(spki, TAG.sequence);
  const parts = childrenOf(der, spki);
  if (parts.length !== 2) throw new Error('CSR: malformed subject public key info');
  bitStringBytes(der, parts[1]!);
  return algorithmOf(der, parts[0]!);
}

/** [0] Attributes: each a SEQUENCE { OID, SET }; their contents do not go into the certificate. */
function readAttributes(der: Uint8Array, attributes: DerElement): void {
  expectTag(attributes, TAG.context0);
  for (const attribute of childrenOf(der, attributes)) {
    expectTag(attribute, TAG.sequence);
    const parts = childrenOf(der, attribute);
    if (parts.length !== 2) throw new Error('CSR: malformed attribute');
    oidOf(der, parts[0]!);
    expectTag(parts[1]!, TAG.set);
    childrenOf(der, parts[1]!);
  }
}

/** The first common name of a Name (SEQUENCE OF SET OF { type, value }), or undefined when it has none or it is no string. */
function firstCommonName(der: Uint8Array, name: DerElement): string | undefined {
  expectTag(name, TAG.sequence);
  let found: string | undefined;
  let seen = false;
  for (const rdn of childrenOf(der, name)) {
    expectTag(rdn, TAG.set);
    for (const pair of childrenOf(der, rdn)) {
      expectTag(pair, TAG.sequence);
      const parts = childrenOf(der, pair);
      if (parts.length !== 2) throw new Error('CSR: malformed name attribute');
      if (oidOf(der, parts[0]!) !== CN_OID || seen) continue;
      seen = true;
      found = decodeString(parts[1]!.tag, contentOf(der, parts[1]!));
    }
  }
  return found;
}

/** The ASN.1 string types a name may use; other types give undefined. */
function decodeString(tag: number, bytes: Uint8Array): string | undefined {
  if (tag === 0x0c) return new TextDecoder().decode(bytes);
  // Printable, Numeric, Teletex, Videotex, IA5, Graphic, Visible, General: one byte per character.
  if ([0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1a, 0x1b].includes(tag)) return Buffer.from(bytes).toString('latin1');
  if (tag === 0x1e && bytes.length % 2 === 0) return Buffer.from(bytes).swap16().toString('utf16le');
  if (tag === 0x1c && bytes.length % 4 === 0) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const points = Array.from({ length: bytes.length / 4 }, (_, index) => view.getUint32(index * 4));
    return points.every((point) => point <= 0x10ffff) ? String.fromCodePoint(...points) : undefined;
  }
  return undefined;
}

/** Whether `signature` over `signed` verifies with the request's own key, for a known algorithm that fits the key. */
function verifies(algorithm: string, keyAlgorithm: string, signed: Uint8Array, spki: Uint8Array, signature: Uint8Array): boolean {
  const known = SIGNATURES[algorithm];
  if (!known || known.key !== keyAlgorithm) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    return verify(known.digest, signed, key, signature);
  } catch {
    // A key the runtime cannot load (a broken point, an odd curve) verifies nothing.
    return false;
  }
}
