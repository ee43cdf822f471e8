import { createHash, KeyObject, sign } from 'node:crypto';
import { agentCn } from '../../shared/pki/names.ts';
import { bitStringBytes, childrenOf, readElement, TAG } from './der-reader.ts';
import { oid, tlv, x509Time } from '../../shared/pki/der-writer.ts';

/** What differs between two agent certificates of one CA. */
export interface AgentCertificateFields {
  guid: string;
  /** The agent's SubjectPublicKeyInfo DER, as its checked CSR carried it. */
  publicKeySpki: Uint8Array;
  /** Serial number bytes: a positive, minimally encoded integer. */
  serial: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

const ascii = (text: string) => new TextEncoder().encode(text);
const sequence = (...parts: Uint8Array[]) => tlv(TAG.sequence, ...parts);
const BOOLEAN_TRUE = tlv(0x01, Uint8Array.of(0xff));
const extension = (id: string, critical: boolean, value: Uint8Array) => sequence(oid(id), ...(critical ? [BOOLEAN_TRUE] : []), tlv(TAG.octetString, value));
const commonNameOnly = (cn: string) => sequence(tlv(TAG.set, sequence(oid('2.5.4.3'), tlv(0x0c, new TextEncoder().encode(cn)))));

const VERSION_3 = tlv(0xa0, tlv(TAG.integer, Uint8Array.of(2)));
const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
// Every agent certificate carries these unchanged: not a CA (cA FALSE is the DEFAULT, so the sequence is
// empty), key usage digitalSignature only, extended key usage serverAuth and clientAuth.
const BASIC_CONSTRAINTS = extension('2.5.29.19', true, sequence());
const KEY_USAGE = extension('2.5.29.15', true, tlv(TAG.bitString, Uint8Array.of(7, 0x80)));
const EXTENDED_KEY_USAGE = extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')));
const SUBJECT_KEY_ID = '2.5.29.14';
const AUTHORITY_KEY_ID = '2.5.29.35';
const SUBJECT_ALT_NAME = '2.5.29.17';
/** iPAddress 127.0.0.1: an admin on the host can run the documented curl examples against :8446 as written. */
const LOCALHOST_IP = tlv(0x87, Uint8Array.of(127, 0, 0, 1));

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits of an SPKI (DER). */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const info = readElement(spki, 0, spki.length, TAG.sequence);
  const parts = childrenOf(spki, info);
  if (info.end !== spki.length || parts.length !== 2) throw new Error('not a SubjectPublicKeyInfo');
  return new Uint8Array(createHash('sha1').update(bitStringBytes(spki, parts[1]!)).digest());
}

/**
 * Agent certificates written from a template: the profile is fixed (the tests hold it against the
 * pkijs-built certificate byte for byte) and only serial, validity, name, key, key id and DNS name
 * change. The issuer's name and key id are encoded once. Signed ECDSA P-256 / SHA-256 by node:crypto,
 * which returns the DER signature X.509 wants. Built by hand: pkijs took ~1.5 ms a certificate on Bun.
 */
export function agentCertificateWriter(issuer: { cn: string; spki: Uint8Array; privateKey: CryptoKey }): (fields: AgentCertificateFields) => Uint8Array {
  const signingKey = KeyObject.from(issuer.privateKey);
  const issuerName = commonNameOnly(issuer.cn);
  // [0] keyIdentifier only, as pkijs writes it.
  const authorityKeyId = extension(AUTHORITY_KEY_ID, false, sequence(tlv(0x80, keyIdentifier(issuer.spki))));
  return (fields) => {
    const { serial } = fields;
    if (!serial.length || serial[0]! & 0x80 || (serial[0] === 0 && !(serial[1]! & 0x80))) throw new Error('serial must be a positive, minimally encoded integer');
    const cn = agentCn(fields.guid);
    const tbs = sequence(
      VERSION_3,
      tlv(TAG.integer, serial),
      ECDSA_WITH_SHA256,
      issuerName,
      sequence(x509Time(fields.notBefore), x509Time(fields.notAfter)),
      commonNameOnly(cn),
      fields.publicKeySpki,
      tlv(
        0xa3,
        sequence(
          BASIC_CONSTRAINTS,
          KEY_USAGE,
          extension(SUBJECT_KEY_ID, false, tlv(TAG.octetString, keyIdentifier(fields.publicKeySpki))),
          authorityKeyId,
          EXTENDED_KEY_USAGE,
          // dNSName is the agent's CN; never its claimed host name, which nothing verified.
          extension(SUBJECT_ALT_NAME, false, sequence(tlv(0x82, ascii(cn)), LOCALHOST_IP)),
        ),
      ),
    );
    return sequence(tbs, ECDSA_WITH_SHA256, tlv(TAG.bitString, Uint8Array.of(0), sign('sha256', tbs, signingKey)));
  };
}
