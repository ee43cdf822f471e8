import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { installPkiEngine } from './engine.ts';
import { nameWithCn } from './x500.ts';

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** KeyUsage bits as RFC 5280 numbers them (bit 0 is the most significant bit of the first byte). */
export const KeyUsage = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

export interface CertProfile {
  subjectCn: string;
  /** The subject's public key as SPKI DER or an already parsed PublicKeyInfo (from a CSR). */
  subjectPublicKey: pkijs.PublicKeyInfo;
  issuer: { cn: string; privateKey: CryptoKey; publicKeyInfo: pkijs.PublicKeyInfo } | 'self';
  selfPrivateKey?: CryptoKey;
  /** Serial number bytes (positive, minimally encoded); a fresh randomSerial() when not given. */
  serial?: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  keyUsage: number[];
  extendedKeyUsage?: ('serverAuth' | 'clientAuth')[];
  dnsNames?: string[];
  ipAddresses?: string[];
}

/** Issues an X.509 v3 certificate signed with ECDSA P-256 / SHA-256; returns DER. */
export async function buildCertificate(profile: CertProfile, signingKey: CryptoKey): Promise<Uint8Array> {
  installPkiEngine();
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: profile.serial ?? randomSerial() });
  cert.subject = nameWithCn(profile.subjectCn);
  const issuerCn = profile.issuer === 'self' ? profile.subjectCn : profile.issuer.cn;
  cert.issuer = nameWithCn(issuerCn);
  cert.notBefore.value = profile.notBefore;
  cert.notAfter.value = profile.notAfter;
  cert.subjectPublicKeyInfo = profile.subjectPublicKey;

  const subjectKeyId = await keyIdentifier(profile.subjectPublicKey);
  const issuerKeyId = profile.issuer === 'self' ? subjectKeyId : await keyIdentifier(profile.issuer.publicKeyInfo);
  const extensions: pkijs.Extension[] = [
    new pkijs.Extension({
      extnID: OID.basicConstraints,
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: profile.isCa }).toSchema().toBER(false),
    }),
    new pkijs.Extension({ extnID: OID.keyUsage, critical: true, extnValue: keyUsageBits(profile.keyUsage).toBER(false) }),
    new pkijs.Extension({
      extnID: OID.subjectKeyIdentifier,
      critical: false,
      extnValue: new asn1js.OctetString({ valueHex: subjectKeyId }).toBER(false),
    }),
  ];
  if (profile.issuer !== 'self') {
    extensions.push(
      new pkijs.Extension({
        extnID: OID.authorityKeyIdentifier,
        critical: false,
        extnValue: new pkijs.AuthorityKeyIdentifier({
          keyIdentifier: new asn1js.OctetString({ valueHex: issuerKeyId }),
        })
          .toSchema()
          .toBER(false),
      }),
    );
  }
  if (profile.extendedKeyUsage?.length) {
    extensions.push(
      new pkijs.Extension({
        extnID: OID.extKeyUsage,
        critical: false,
        extnValue: new pkijs.ExtKeyUsage({ keyPurposes: profile.extendedKeyUsage.map((p) => OID[p]) }).toSchema().toBER(false),
      }),
    );
  }
  const altNames = [
    ...(profile.dnsNames ?? []).map((value) => new pkijs.GeneralName({ type: 2, value })),
    ...(profile.ipAddresses ?? []).map((ip) => new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: ipv4Bytes(ip) }) })),
  ];
  if (altNames.length) {
    extensions.push(
      new pkijs.Extension({
        extnID: OID.subjectAltName,
        critical: false,
        extnValue: new pkijs.GeneralNames({ names: altNames }).toSchema().toBER(false),
      }),
    );
  }
  cert.extensions = extensions;
  await cert.sign(signingKey, 'SHA-256');
  return new Uint8Array(cert.toSchema().toBER(false));
}

function keyUsageBits(bits: number[]): asn1js.BitString {
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return new asn1js.BitString({ valueHex: bytes.buffer, unusedBits: 7 - (highest & 7) });
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bit string. */
async function keyIdentifier(spki: pkijs.PublicKeyInfo): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-1', new Uint8Array(spki.subjectPublicKey.valueBlock.valueHexView));
}

/** 16 random bytes, positive (high bit clear), never zero-led into a shorter integer. */
export function randomSerial(): Uint8Array<ArrayBuffer> {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes;
}

function ipv4Bytes(ip: string): ArrayBuffer {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return new Uint8Array(parts).buffer;
}

export async function publicKeyInfoOf(key: CryptoKey): Promise<pkijs.PublicKeyInfo> {
  const info = new pkijs.PublicKeyInfo();
  await info.importKey(key);
  return info;
}
