import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import type { ErrorCode } from '../../shared/api/error-codes.ts';
import { ApiError } from '../../shared/errors.ts';
import { encryptV4Local } from './paseto-v4-local.ts';
import { generateTokenKey, TokenService } from './token-service.ts';

const MIN = 60_000;

function setup() {
  const clock = new FakeClock();
  const key = generateTokenKey();
  return { clock, key, tokens: new TokenService({ key, clock }) };
}

/** Asserts an ApiError 401 with `code` whose message does not echo the token. */
async function rejects(promise: Promise<unknown>, code: ErrorCode, token: string) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  const api = err as ApiError;
  expect(api.status).toBe(401);
  expect(api.code).toBe(code);
  for (const piece of [token, token.slice(9, 40)]) if (piece) expect(api.message).not.toContain(piece);
}

/** Flips one character in the middle of the token's payload. */
function tamper(token: string): string {
  const offset = 9 + 20;
  return token.slice(0, offset) + (token[offset] === 'A' ? 'B' : 'A') + token.slice(offset + 1);
}

describe('TokenService', () => {
  test('ok: generateTokenKey returns 32 fresh random bytes', () => {
    const first = generateTokenKey();
    expect(first).toBeInstanceOf(Uint8Array);
    expect(first.byteLength).toBe(32);
    expect(first).not.toEqual(generateTokenKey());
  });

  test('ok: session token issue and verify', async () => {
    const { clock, tokens } = setup();
    const { token, expiresAt } = await tokens.issueSession({ sub: 'alice', role: 'admin', groups: ['ops'], ttlMs: 30 * MIN });
    expect(token.startsWith('v4.local.')).toBe(true);
    expect(expiresAt).toBe(clock.now() + 30 * MIN);
    const claims = await tokens.verifySession(token);
    expect(claims).toMatchObject({ sub: 'alice', role: 'admin', groups: ['ops'] });
    expect(claims.iat).toBe(new Date(clock.now()).toISOString());
    expect(claims.exp).toBe(new Date(expiresAt).toISOString());
    expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await tokens.verifySession((await tokens.issueSession({ sub: 'bob', role: 'user', ttlMs: MIN })).token)).groups).toEqual([]);
  });

  test('ok: an API client token verifies as one; rejects: it is never a session or connection token, nor they an API token', async () => {
    const { tokens } = setup();
    const api = await tokens.issueApi({ sub: 'client-1', ttlMs: 60 * MIN });
    expect(await tokens.verifyApi(api.token)).toMatchObject({ sub: 'client-1' });
    await rejects(tokens.verifySession(api.token), 'TOKEN_INVALID', api.token);
    await rejects(tokens.verifyConnection(api.token), 'TOKEN_INVALID', api.token);
    const session = await tokens.issueSession({ sub: 'alice', role: 'admin', ttlMs: MIN });
    const connection = await tokens.issueConnection({ sub: 'alice', sessionId: 's-1', serverId: 'srv-1', ttlMs: MIN });
    await rejects(tokens.verifyApi(session.token), 'TOKEN_INVALID', session.token);
    await rejects(tokens.verifyApi(connection.token), 'TOKEN_INVALID', connection.token);
  });

  test('ok: connection token issue and verify, with distinct jti per token', async () => {
    const { tokens } = setup();
    const input = { sub: 'alice', sessionId: 's-1', serverId: 'srv-1', ttlMs: MIN };
    const first = await tokens.issueConnection(input);
    const second = await tokens.issueConnection(input);
    expect(first.jti).not.toBe(second.jti);
    expect(await tokens.verifyConnection(first.token)).toMatchObject({ sub: 'alice', sessionId: 's-1', serverId: 'srv-1', jti: first.jti });
  });

  test('ok: still valid one millisecond before expiry', async () => {
    const { clock, tokens } = setup();
    const { token } = await tokens.issueSession({ sub: 'alice', role: 'user', ttlMs: MIN });
    clock.advance(MIN - 1);
    expect((await tokens.verifySession(token)).sub).toBe('alice');
  });

  test('rejects: tampered token (one character flipped)', async () => {
    const { tokens } = setup();
    const { token } = await tokens.issueSession({ sub: 'alice', role: 'user', ttlMs: MIN });
    await rejects(tokens.verifySession(tamper(token)), 'TOKEN_INVALID', token);
    const conn = await tokens.issueConnection({ sub: 'alice', sessionId: 's', serverId: 'v', ttlMs: MIN });
    await rejects(tokens.verifyConnection(tamper(conn.token)), 'TOKEN_INVALID', conn.token);
  });

  test('rejects: token made under another key', async () => {
    const { clock, tokens } = setup();
    const other = new TokenService({ key: generateTokenKey(), clock });
    const { token } = await other.issueSession({ sub: 'alice', role: 'admin', ttlMs: MIN });
    await rejects(tokens.verifySession(token), 'TOKEN_INVALID', token);
  });

  test('rejects: expired once the fake clock passes the ttl', async () => {
    const { clock, tokens } = setup();
    const session = await tokens.issueSession({ sub: 'alice', role: 'user', ttlMs: MIN });
    const connection = await tokens.issueConnection({ sub: 'alice', sessionId: 's', serverId: 'v', ttlMs: MIN });
    clock.advance(MIN + 1);
    await rejects(tokens.verifySession(session.token), 'TOKEN_EXPIRED', session.token);
    await rejects(tokens.verifyConnection(connection.token), 'TOKEN_EXPIRED', connection.token);
  });

  test('rejects: not yet valid when the clock is behind the issue time', async () => {
    const { clock, tokens } = setup();
    const { token } = await tokens.issueSession({ sub: 'alice', role: 'user', ttlMs: MIN });
    clock.advance(-MIN);
    await rejects(tokens.verifySession(token), 'TOKEN_INVALID', token);
  });

  test('rejects: session token used as a connection token', async () => {
    const { tokens } = setup();
    const { token } = await tokens.issueSession({ sub: 'alice', role: 'admin', ttlMs: MIN });
    await rejects(tokens.verifyConnection(token), 'TOKEN_INVALID', token);
  });

  test('rejects: connection token used as a session token', async () => {
    const { tokens } = setup();
    const { token } = await tokens.issueConnection({ sub: 'alice', sessionId: 's', serverId: 'v', ttlMs: MIN });
    await rejects(tokens.verifySession(token), 'TOKEN_INVALID', token);
  });

  test('rejects: right key and implicit assertion but wrong purpose claim', async () => {
    const { clock, key, tokens } = setup();
    const iso = new Date(clock.now()).toISOString();
    const exp = new Date(clock.now() + MIN).toISOString();
    const claims = { purpose: 'connection', sub: 'alice', role: 'admin', groups: [], iat: iso, exp, jti: 'x' };
    const token = await encryptV4Local(key, claims, { implicit: 'dcvix-director/session-token/v1' });
    await rejects(tokens.verifySession(token), 'TOKEN_INVALID', token);
  });

  test('rejects: garbage, empty and other-version tokens', async () => {
    const { tokens } = setup();
    for (const token of ['', 'nonsense', 'v4.local.', 'v3.local.AAAA', 'v4.public.AAAA']) {
      await rejects(tokens.verifySession(token), 'TOKEN_INVALID', token);
    }
  });

  test('rejects: bad construction and issue input', async () => {
    const { tokens } = setup();
    expect(() => new TokenService({ key: new Uint8Array(16), clock: new FakeClock() })).toThrow();
    await expect(tokens.issueSession({ sub: 'alice', role: 'user', ttlMs: 0 })).rejects.toThrow();
    await expect(tokens.issueSession({ sub: '', role: 'user', ttlMs: MIN })).rejects.toThrow();
  });
});

test('ok: after a key rotation, tokens under the previous key verify until they expire; new ones use the new key', async () => {
  const clock = new FakeClock();
  const oldKey = generateTokenKey();
  const newKey = generateTokenKey();
  const before = await new TokenService({ key: oldKey, clock }).issueSession({ sub: 'alice', role: 'user', ttlMs: 60_000 });
  const rotated = new TokenService({ key: newKey, previousKeys: [oldKey], clock });
  expect((await rotated.verifySession(before.token)).sub).toBe('alice');
  const after = await rotated.issueSession({ sub: 'bob', role: 'user', ttlMs: 60_000 });
  await expect(new TokenService({ key: oldKey, clock }).verifySession(after.token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  await expect(new TokenService({ key: newKey, clock }).verifySession(before.token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  clock.advance(61_000);
  await expect(rotated.verifySession(before.token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
});

describe('TokenService session renewal', () => {
  test('ok: a session token carries authTime (login time); a renewal keeps it and moves exp', async () => {
    const { clock, tokens } = setup();
    const login = await tokens.verifySession((await tokens.issueSession({ sub: 'alice', role: 'user', ttlMs: 30 * MIN })).token);
    expect(login.authTime).toBe(new Date(clock.now()).toISOString());
    clock.advance(20 * MIN);
    const renewed = await tokens.renewSession(login, { ttlMs: 30 * MIN, absoluteMaxMs: 12 * 60 * MIN });
    const claims = await tokens.verifySession(renewed.token);
    expect(claims.authTime).toBe(login.authTime);
    expect(claims.exp).toBe(new Date(clock.now() + 30 * MIN).toISOString());
  });

  test('rejects: renewal past the absolute limit is SESSION_EXPIRED; near it the token is cut to the limit', async () => {
    const { clock, tokens } = setup();
    const login = await tokens.verifySession((await tokens.issueSession({ sub: 'alice', role: 'user', ttlMs: 30 * MIN })).token);
    clock.advance(50 * MIN);
    const cut = await tokens.renewSession(login, { ttlMs: 30 * MIN, absoluteMaxMs: 60 * MIN });
    expect(cut.ttlMs).toBe(10 * MIN);
    clock.advance(10 * MIN);
    const err = await tokens.renewSession(login, { ttlMs: 30 * MIN, absoluteMaxMs: 60 * MIN }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect([(err as ApiError).status, (err as ApiError).code]).toEqual([401, 'SESSION_EXPIRED']);
  });
});
