import * as pkijs from 'pkijs';

/** RFC 8410 algorithm identifier for Ed25519 (no parameters). */
export const ED25519_OID = '1.3.101.112';

const isEd25519 = (key: CryptoKey) => key.algorithm.name.toUpperCase() === 'ED25519';

/**
 * pkijs knows ECDSA and RSA; Ed25519 needs three overrides (checked with pkijs 4 on Bun 1.4): export SPKI straight
 * from WebCrypto, sign with an RFC 8410 algorithm identifier, and verify by importing the SPKI as Ed25519.
 */
class Ed25519AwareEngine extends pkijs.CryptoEngine {
  override async exportKey(format: string, key: CryptoKey): Promise<any> {
    if (isEd25519(key) && format !== 'jwk') return this.subtle.exportKey(format as 'spki', key);
    return super.exportKey(format as any, key);
  }

  override async getSignatureParameters(privateKey: CryptoKey, hashAlgorithm = 'SHA-256') {
    if (!isEd25519(privateKey)) return super.getSignatureParameters(privateKey, hashAlgorithm);
    return {
      signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: ED25519_OID }),
      parameters: { algorithm: { name: 'Ed25519' } } as any,
    };
  }

  override async signWithPrivateKey(data: BufferSource, privateKey: CryptoKey, parameters: any) {
    if (!isEd25519(privateKey)) return super.signWithPrivateKey(data, privateKey, parameters);
    return this.subtle.sign('Ed25519', privateKey, data);
  }

  override async verifyWithPublicKey(
    data: BufferSource,
    signature: any,
    publicKeyInfo: pkijs.PublicKeyInfo,
    signatureAlgorithm: pkijs.AlgorithmIdentifier,
    shaAlgorithm?: string,
  ): Promise<boolean> {
    if (signatureAlgorithm.algorithmId !== ED25519_OID) {
      return super.verifyWithPublicKey(data, signature, publicKeyInfo, signatureAlgorithm, shaAlgorithm);
    }
    if (publicKeyInfo.algorithm.algorithmId !== ED25519_OID) return false;
    const spki = publicKeyInfo.toSchema().toBER(false);
    const key = await this.subtle.importKey('spki', spki, 'Ed25519', false, ['verify']);
    return this.subtle.verify('Ed25519', key, signature.valueBlock.valueHexView, data);
  }
}

let installed = false;

/** Installs the Ed25519-aware engine for pkijs once per process. */
export function installPkiEngine(): void {
  if (installed) return;
  pkijs.setEngine('dcvix', new Ed25519AwareEngine({ name: 'dcvix', crypto: globalThis.crypto }));
  installed = true;
}
