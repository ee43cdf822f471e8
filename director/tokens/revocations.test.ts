import { expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { openDatabase } from '../store/db.ts';
import { createSqliteRevocationStore } from './revocation-store.ts';
import { Revocations } from './revocations.ts';

const claims = (over: Partial<{ sub: string; jti: string; exp: string; iat: string; authTime: string }> = {}) => ({
  sub: 'alice',
  jti: 'j1',
  iat: new Date(1_000_000).toISOString(),
  exp: new Date(1_000_000 + 7_200_000).toISOString(),
  ...over,
});

test("ok: a logged-out token and its login's renewals are refused until they expire, then forgotten (memory and store)", async () => {
  const clock = new FakeClock(1_000_000);
  const db = openDatabase(':memory:');
  const revocations = await Revocations.open(createSqliteRevocationStore(db), clock);
  await revocations.revoke(claims());
  expect(revocations.isRevoked(claims())).toBe(true);
  // Renewals of the same login (same authTime) go with it; another login of the same user does not.
  expect(revocations.isRevoked(claims({ jti: 'j2', iat: new Date(1_500_000).toISOString(), authTime: new Date(1_000_000).toISOString() }))).toBe(true);
  expect(revocations.isRevoked(claims({ jti: 'j3', iat: new Date(1_000_001).toISOString() }))).toBe(false);
  // A second director (or a restart) loads it from the store.
  expect((await Revocations.open(createSqliteRevocationStore(db), clock)).isRevoked(claims())).toBe(true);
  clock.advance(7_200_001);
  // The token's row and its login's row (kept as long as the token when no later limit is given).
  expect(await revocations.prune()).toBe(2);
  expect((await Revocations.open(createSqliteRevocationStore(db), clock)).isRevoked(claims())).toBe(false);
});

test("rejects: tokens whose authTime is before the user's validAfter, renewed or not; later logins pass", async () => {
  const clock = new FakeClock(2_000_000);
  const revocations = await Revocations.open(createSqliteRevocationStore(openDatabase(':memory:')), clock);
  await revocations.signOutEverywhere('alice');
  // Renewed at 2,500,000 but descending from a login at 1,000,000: still refused.
  expect(revocations.isRevoked(claims({ iat: new Date(2_500_000).toISOString(), authTime: new Date(1_000_000).toISOString() }))).toBe(true);
  expect(revocations.isRevoked(claims({ authTime: new Date(2_000_000).toISOString() }))).toBe(false);
  expect(revocations.isRevoked(claims({ sub: 'bob' }))).toBe(false);
});
