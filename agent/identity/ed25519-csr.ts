import { bitString, context0, integer0, oid, sequence, set, utf8String } from '../../shared/pki/der-writer.ts';

const ED25519 = '1.3.101.112';
const COMMON_NAME = '2.5.4.3';

/**
 * A PKCS#10 request for an Ed25519 key with subject CN=`cn`, as DER (RFC 2986, RFC 8410): the subject
 * key comes straight from WebCrypto's SPKI export, the signature is Ed25519 over the request info.
 * Ed25519 is deterministic, so the same key and name always give the same bytes.
 */
export async function createCsr(keys: CryptoKeyPair, cn: string): Promise<Uint8Array> {
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const subject = sequence(set(sequence(oid(COMMON_NAME), utf8String(cn))));
  const info = sequence(integer0(), subject, spki, context0());
  const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', keys.privateKey, info as Uint8Array<ArrayBuffer>));
  return sequence(info, sequence(oid(ED25519)), bitString(signature));
}
