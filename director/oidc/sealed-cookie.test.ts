import { describe, expect, test } from 'bun:test';
import { seal, sealedCookie, unseal, type LoginTransaction } from './sealed-cookie.ts';

const key = new Uint8Array(32).fill(7);
const now = Date.parse('2026-12-07T00:00:00Z');
const tx: LoginTransaction = { provider: 'corp', role: 'user', state: 's', nonce: 'n', verifier: 'v', next: '/' };

describe('sealed sign-in cookies', () => {
  test('ok: a transaction opens under the same key and purpose within its lifetime', async () => {
    const sealed = await seal(key, 'transaction', tx, now, 60_000);
    expect(await unseal(key, 'transaction', sealed, now + 59_000)).toMatchObject(tx);
    expect(sealedCookie('dcvix_oidc_tx', sealed, 60_000)).toBe(`dcvix_oidc_tx=${sealed}; Path=/v1/auth/oidc; Max-Age=60; HttpOnly; Secure; SameSite=Lax`);
  });

  test('rejects: expired, tampered, another key, another purpose, or missing', async () => {
    const sealed = await seal(key, 'transaction', tx, now, 60_000);
    expect(await unseal(key, 'transaction', sealed, now + 61_000)).toBeUndefined();
    // The second-to-last character changed (it is all tag bits): tested against itself, so it always differs.
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.slice(-1)}`;
    expect(flipped).not.toBe(sealed);
    expect(await unseal(key, 'transaction', flipped, now)).toBeUndefined();
    expect(await unseal(new Uint8Array(32).fill(8), 'transaction', sealed, now)).toBeUndefined();
    expect(await unseal(key, 'signout', sealed, now)).toBeUndefined();
    expect(await unseal(key, 'transaction', undefined, now)).toBeUndefined();
    expect(await unseal(key, 'transaction', 'garbage', now)).toBeUndefined();
  });
});
