import { describe, expect, test } from 'bun:test';
import vectors from '../../tests/fixtures/paseto-v4-test-vectors.json';
import { PublicProtocol } from 'paseto';
import type { LocalKey } from 'paseto/v4/local';
import { ImportPublicKeyFactory } from 'paseto/v4/public';
import { decryptV4Local, encryptV4Local, v4Local, v4LocalKey } from './paseto-v4-local.ts';

interface Vector {
  name: string;
  'expect-fail': boolean;
  key?: string;
  'public-key'?: string;
  nonce?: string;
  token: string;
  payload: string | null;
  footer: string;
  'implicit-assertion': string;
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
// The vectors' claims expire on 2022-01-01; decrypt "before" that so expiry is never why a case fails.
const now = new Date('2021-06-01T00:00:00Z');

// v4.local cases: every local token, plus every case that hands a local key to a non-v4.local token.
const local = (vectors.tests as Vector[]).filter((v) => v.token.startsWith('v4.local.') || v.key !== undefined);

describe('PASETO v4.local official vectors', () => {
  test('ok: the fixture holds all 14 v4.local cases (9 success, 5 expect-fail)', () => {
    expect(local.length).toBe(14);
    expect(local.filter((v) => v['expect-fail']).length).toBe(5);
  });

  for (const vector of local) {
    const opts = { footer: vector.footer, implicit: vector['implicit-assertion'] };
    if (!vector['expect-fail']) {
      test(`ok: ${vector.name}`, async () => {
        const key = hex(vector.key!);
        const claims = JSON.parse(vector.payload!);
        expect(await encryptV4Local(key, claims, { ...opts, nonceForTests: hex(vector.nonce!) })).toBe(vector.token);
        const decrypted = await decryptV4Local(key, vector.token, { ...opts, now });
        expect(decrypted).toEqual(claims);
        expect(JSON.stringify(decrypted)).toBe(vector.payload!);
      });
    } else {
      test(`rejects: ${vector.name}`, async () => {
        if (vector.key === undefined) {
          // 4-F-1: the token was made with the Ed25519 public key's bytes as a local key, so only key
          // typing stops it: a v4.public key object must be refused by the v4.local protocol.
          const pk = Buffer.from(vector['public-key']!, 'hex').toString('base64url');
          const publicKey = await new PublicProtocol(ImportPublicKeyFactory).ImportPublicKey(`k4.public.${pk}`);
          const decrypt = v4Local.Decrypt(publicKey as unknown as LocalKey, vector.token, { footer: new TextEncoder().encode(vector.footer), now });
          await expect(decrypt).rejects.toThrow('not created by v4LocalKey');
          return;
        }
        await expect(decryptV4Local(hex(vector.key), vector.token, { ...opts, now })).rejects.toThrow();
      });
    }
  }
});

describe('v4.local round trip', () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const claims = { sub: 'alice', exp: '2030-01-01T00:00:00Z' };

  test('ok: random nonces give distinct tokens that both decrypt', async () => {
    const first = await encryptV4Local(key, claims, { implicit: 'ctx' });
    const second = await encryptV4Local(key, claims, { implicit: 'ctx' });
    expect(first).not.toBe(second);
    expect(await decryptV4Local(key, first, { implicit: 'ctx', now })).toEqual(claims);
  });

  test('rejects: wrong implicit assertion, wrong footer, wrong key, short key', async () => {
    const token = await encryptV4Local(key, claims, { footer: 'f', implicit: 'ctx' });
    await expect(decryptV4Local(key, token, { footer: 'f', implicit: 'other', now })).rejects.toThrow();
    await expect(decryptV4Local(key, token, { footer: 'g', implicit: 'ctx', now })).rejects.toThrow();
    await expect(decryptV4Local(new Uint8Array(32), token, { implicit: 'ctx', now })).rejects.toThrow();
    expect(() => v4LocalKey(new Uint8Array(31))).toThrow();
  });

  test('keys: the same bytes object is one key; bytes changed in place since are another key', async () => {
    const mutable = Uint8Array.from(key);
    const token = await encryptV4Local(mutable, claims, { implicit: 'ctx' });
    expect(await decryptV4Local(mutable, token, { implicit: 'ctx', now })).toEqual(claims);
    mutable[0] = mutable[0]! ^ 0xff;
    await expect(decryptV4Local(mutable, token, { implicit: 'ctx', now })).rejects.toThrow();
    // A token made under the changed bytes is theirs, not the original key's.
    const other = await encryptV4Local(mutable, claims, { implicit: 'ctx' });
    expect(await decryptV4Local(mutable, other, { implicit: 'ctx', now })).toEqual(claims);
    await expect(decryptV4Local(key, other, { implicit: 'ctx', now })).rejects.toThrow();
    mutable[0] = mutable[0]! ^ 0xff;
    expect(await decryptV4Local(mutable, token, { implicit: 'ctx', now })).toEqual(claims);
  });

  test('rejects: expired at the given time', async () => {
    const token = await encryptV4Local(key, claims);
    await expect(decryptV4Local(key, token, { now: new Date('2031-01-01T00:00:00Z') })).rejects.toThrow('expired');
  });
});
