/**
 * PASETO v4.local (XChaCha20 + keyed BLAKE2b) for the `paseto` package. paseto 4.x frames tokens,
 * footers, implicit assertions and claims itself but leaves the v4.local cryptography to an extension:
 * `LocalEncrypt` / `LocalDecrypt` bind our `run` functions into a `LocalProtocol`: XChaCha20 from
 * @noble/ciphers, keyed BLAKE2b from hash-wasm (WebAssembly: ~2 µs a hash where pure JavaScript took
 * ~13 µs; a verification makes three, on every DCV connection).
 */
import { xchacha20 } from '@noble/ciphers/chacha.js';
import { equalBytes } from '@noble/ciphers/utils.js';
import { blake2b, createBLAKE2b, type IHasher } from 'hash-wasm';
import { type Claims, InvalidKeyError, InvalidTokenError, LocalDecrypt, LocalEncrypt, LocalProtocol, PAE } from 'paseto';
import type { LocalKey } from 'paseto/v4/local';

const encoder = new TextEncoder();
const HEADER = encoder.encode('v4.local.');
const ENCRYPTION_LABEL = encoder.encode('paseto-encryption-key');
const AUTH_LABEL = encoder.encode('paseto-auth-key-for-aead');

/** Raw key bytes live here, not on the key object, so a logged key object shows no secret. */
const keyMaterial = new WeakMap<LocalKey, Uint8Array>();

/** Wraps 32 raw key bytes as the opaque key object the paseto protocol passes to our `run`. */
export function v4LocalKey(bytes: Uint8Array): LocalKey {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== 32) {
    throw new InvalidKeyError('v4.local keys are exactly 32 bytes');
  }
  const key: LocalKey = Object.freeze({
    algorithm: Object.freeze({ name: 'PASETO v4.local' as const }),
    extractable: false,
    type: 'secret' as const,
    version: 4 as const,
    kind: 'local' as const,
  });
  keyMaterial.set(key, Uint8Array.from(bytes));
  return key;
}

function material(key: LocalKey): Uint8Array {
  const bytes = keyMaterial.get(key);
  if (!bytes) throw new InvalidKeyError('key was not created by v4LocalKey');
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * The two keyed BLAKE2b hashers that derive a token's subkeys from one key, made once per key (making
 * one compiles WebAssembly state; re-keying a shared one to another output length costs ~400 µs).
 * Held per key material (a WeakMap: a key's hashers go with it), and once made, taken without an await.
 */
interface Derivers {
  encryption: IHasher;
  auth: IHasher;
}
const derivers = new WeakMap<Uint8Array, Derivers | Promise<Derivers>>();

function deriversFor(key: Uint8Array): Derivers | Promise<Derivers> {
  let held = derivers.get(key);
  if (!held) {
    held = Promise.all([createBLAKE2b(56 * 8, key), createBLAKE2b(32 * 8, key)]).then(([encryption, auth]) => {
      const made = { encryption, auth };
      derivers.set(key, made);
      return made;
    });
    derivers.set(key, held);
  }
  return held;
}

/** BLAKE2b of `label || nonce` with a held keyed hasher (two updates, no concatenated copy). */
const derive = (hasher: IHasher, label: Uint8Array, nonce: Uint8Array) => {
  hasher.init();
  hasher.update(label);
  hasher.update(nonce);
  return hasher.digest('binary');
};

/** Ek || n2 (56 bytes) and Ak (32 bytes), both derived from the key and the per-token nonce. */
async function subkeys(key: Uint8Array, nonce: Uint8Array) {
  const held = deriversFor(key);
  const { encryption, auth } = held instanceof Promise ? await held : held;
  const tmp = derive(encryption, ENCRYPTION_LABEL, nonce);
  const ak = derive(auth, AUTH_LABEL, nonce);
  return { ek: tmp.subarray(0, 32), n2: tmp.subarray(32), ak };
}

/** The tag, keyed with the token's own Ak (a one-shot hash: always 32 bytes out, so never re-keyed to another length). */
async function tag(ak: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, footer: Uint8Array, implicit: Uint8Array) {
  return Buffer.from(await blake2b(PAE([HEADER, nonce, ciphertext, footer, implicit]), 32 * 8, ak), 'hex');
}

/**
 * Builds a v4.local protocol (Encrypt + Decrypt) through paseto's extension API. `nonce` exists only so
 * the official test vectors can be reproduced; production code uses the random default.
 */
export function createV4Local(nonce: () => Uint8Array = () => crypto.getRandomValues(new Uint8Array(32))) {
  const encrypt = LocalEncrypt<4, LocalKey>({
    version: 4,
    run: async (key, message, footer, implicit) => {
      const keyBytes = material(key);
      const tokenNonce = nonce();
      if (tokenNonce.byteLength !== 32) throw new TypeError('v4.local nonce must be 32 bytes');
      const { ek, n2, ak } = await subkeys(keyBytes, tokenNonce);
      const ciphertext = xchacha20(ek, n2, message);
      return concat(tokenNonce, ciphertext, await tag(ak, tokenNonce, ciphertext, footer, implicit));
    },
  });
  const decrypt = LocalDecrypt<4, LocalKey>({
    version: 4,
    run: async (key, payload, footer, implicit) => {
      if (payload.byteLength < 64) throw new InvalidTokenError('truncated v4.local payload');
      const keyBytes = material(key);
      const tokenNonce = payload.subarray(0, 32);
      const ciphertext = payload.subarray(32, -32);
      const { ek, n2, ak } = await subkeys(keyBytes, tokenNonce);
      // Constant-time compare before any decryption (encrypt-then-MAC).
      if (!equalBytes(payload.subarray(-32), await tag(ak, tokenNonce, ciphertext, footer, implicit))) {
        throw new InvalidTokenError('token authentication failed');
      }
      return xchacha20(ek, n2, ciphertext);
    },
  });
  return new LocalProtocol(encrypt, decrypt);
}

/** The production v4.local protocol (random nonces); takes keys from `v4LocalKey`. */
export const v4Local = createV4Local();

/**
 * The key object for raw key bytes, made once per bytes object (a director verifies with the same
 * key on every request; a new key object each call cost a copy, two freezes and a weak entry the
 * collector must visit). Bytes changed in place since are taken as a new key.
 */
const keyObjects = new WeakMap<Uint8Array, LocalKey>();
function keyObjectFor(bytes: Uint8Array): LocalKey {
  const held = keyObjects.get(bytes);
  if (held && equalBytes(material(held), bytes)) return held;
  const made = v4LocalKey(bytes);
  keyObjects.set(bytes, made);
  return made;
}

const bytes = (v: Uint8Array | string | undefined) => (typeof v === 'string' ? encoder.encode(v) : v);

/** Options shared by encryption and decryption. */
export interface V4LocalOptions {
  /** Footer: written into the token on encrypt; when given on decrypt, the token's must match exactly. */
  footer?: Uint8Array | string;
  /** Implicit assertion: authenticated but never stored in the token. */
  implicit?: Uint8Array | string;
}

/**
 * Encrypts `claims` exactly as given (no `iat`/`exp` added: callers set their own registered claims).
 * `nonceForTests` pins the 32-byte nonce for test vectors; never pass it in production.
 */
export async function encryptV4Local(key: Uint8Array, claims: Claims, opts: V4LocalOptions & { nonceForTests?: Uint8Array } = {}): Promise<string> {
  const fixed = opts.nonceForTests;
  const protocol = fixed ? createV4Local(() => fixed) : v4Local;
  return protocol.Encrypt(keyObjectFor(key), claims, {
    addIssuedAt: false,
    // paseto adds a 1 h `exp` unless one is present or nonExpiring is set.
    nonExpiring: claims.exp === undefined,
    footer: bytes(opts.footer),
    implicitAssertion: bytes(opts.implicit),
  });
}

/**
 * Authenticates and decrypts a v4.local token and returns its claims. Throws a paseto `PasetoError` on
 * any failure: malformed or other-version token, wrong key, tampering, footer or implicit-assertion
 * mismatch, a missing `exp`, or `exp`/`nbf`/`iat` out of range at `now` (default: the system clock).
 */
export async function decryptV4Local(key: Uint8Array, token: string, opts: V4LocalOptions & { now?: Date } = {}): Promise<Claims> {
  const { claims } = await v4Local.Decrypt(keyObjectFor(key), token, {
    footer: bytes(opts.footer),
    implicitAssertion: bytes(opts.implicit),
    now: opts.now,
  });
  return claims;
}
