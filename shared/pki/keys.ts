import { fromPem, toArrayBuffer, toPem } from './pem.ts';

/** Ed25519 key pair for an agent identity. */
export async function generateEd25519(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** ECDSA P-256 key pair for the CA and the director. */
export async function generateP256(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return toPem(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

type KeyKind = 'Ed25519' | 'P-256';

/**
 * Loads a PKCS#8 private key PEM and derives its public half (WebCrypto has no direct way, so go
 * through JWK: the private JWK holds the public coordinates too).
 */
export async function keyPairFromPem(pem: string, kind: KeyKind): Promise<CryptoKeyPair> {
  const pkcs8 = toArrayBuffer(fromPem(pem, 'PRIVATE KEY'));
  const alg = kind === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, alg, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  delete jwk.d;
  jwk.key_ops = ['verify'];
  const publicKey = await crypto.subtle.importKey('jwk', jwk, alg, true, ['verify']);
  return { privateKey, publicKey };
}

export async function publicKeySpki(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('spki', key));
}
