import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { FakeClock, systemClock } from '../../shared/clock.ts';
import { TokenService } from '../../director/tokens/token-service.ts';
import { approveAgent, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { expectClientError, expectHealthy } from '../helpers/hostile.ts';
import { call, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * Bearer tokens under attack, against real directors: tampered, expired (forged with the director's
 * key and a clock in the past, and one connection token left to expire for real), minted under
 * another director's key, one kind used as the other, and connection tokens replayed past their use
 * limit or after their session closed. Session tokens get 401; the DCV verifier answers "no".
 */
const KEY_1 = 'a1'.repeat(32);
const KEY_2 = 'b2'.repeat(32);
const CONNECTION_TTL_MS = 10_000;

let d1: DirectorHandle;
let d2: DirectorHandle;
let agent: AgentHandle;
let alice: string;
let aliceToken: string;
let serverId: string;
let sessionId: string;
/** A connection token fetched at start-up and left to expire for real (connection_token_ttl 10 s). */
let earlyToken: { token: string; fetchedAt: number };

const forge = (key: string, clock = systemClock) => new TokenService({ key: new Uint8Array(Buffer.from(key, 'hex')), clock });
const cookieOf = (token: string) => `dcvix_session=${token}`;

async function verify(director: DirectorHandle, sid: string, token: string): Promise<string> {
  const response = await call(`${director.url}/v1/user/authtokenverify`, {
    method: 'POST',
    ca: director.caPem,
    body: new URLSearchParams({ sessionId: sid, authenticationToken: token, clientAddress: '192.0.2.7' }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/xml');
  return response.text;
}
const YES = '<auth result="yes"><username>alice</username></auth>';
const expectNo = (xml: string, what: string) => expect(`${what}: ${xml}`).toStartWith(`${what}: <auth result="no"`);

async function me(director: DirectorHandle, init: { cookie?: string; headers?: Record<string, string> }) {
  return call(`${director.url}/v1/me`, { ca: director.caPem, ...init });
}

async function freshConnectionToken(): Promise<string> {
  const response = await call(`${d1.url}/v1/user/connectiontoken?sessionId=${sessionId}&serverId=${serverId}`, { ca: d1.caPem, cookie: alice });
  if (response.status !== 200) throw new Error(`connection token: ${response.status} ${response.text}`);
  return response.json.token;
}

beforeAll(async () => {
  [d1, d2] = await Promise.all([startDirector({ config: { token_key: KEY_1, connection_token_ttl: '10s', connection_token_max_uses: 3 } }), startDirector({ config: { token_key: KEY_2 } })]);
  agent = await startAgent(d1.url, { config: { hostname: 'ws-tokens', update_interval: '500ms', idle_timeout: 0 } });
  ({ serverId } = await approveAgent(d1, agent));
  alice = await login(d1.url, d1.caPem, 'alice', TEST_USERS.alice!);
  aliceToken = alice.slice('dcvix_session='.length);
  const response = await call(`${d1.url}/v1/user/sessions`, { method: 'POST', ca: d1.caPem, cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
  if (response.status !== 200) throw new Error(`session: ${response.status} ${response.text}`);
  sessionId = response.json.session.id;
  earlyToken = { token: await freshConnectionToken(), fetchedAt: Date.now() };
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await Promise.all([d1?.stop(), d2?.stop()]);
  cleanupTempDirs();
});

describe('session tokens', () => {
  test("ok: the control case: alice's cookie and the same token as Bearer", async () => {
    expect((await me(d1, { cookie: alice })).json.user).toBe('alice');
    expect((await me(d1, { headers: { authorization: `Bearer ${aliceToken}` } })).json.user).toBe('alice');
  }, 30_000);

  test('rejects: tampered tokens, in the cookie and as Bearer', async () => {
    const body = aliceToken.slice('v4.local.'.length);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const variants = [
      `v4.local.${flip(body, 0)}`,
      `v4.local.${flip(body, Math.floor(body.length / 2))}`,
      // Not the last character: its low bits may be base64 padding a lenient decoder ignores.
      `v4.local.${flip(body, body.length - 2)}`,
      `v4.local.${body.slice(0, -10)}`,
      `v4.local.${body}AAAA`,
      `v4.public.${body}`,
      `v2.local.${body}`,
      `v4.local.${body}.${Buffer.from('{"kid":"x"}').toString('base64url')}`,
      aliceToken.toUpperCase(),
      '',
    ];
    for (const variant of variants) {
      for (const init of [{ cookie: cookieOf(variant) }, { headers: { authorization: `Bearer ${variant}` } }]) {
        const response = await me(d1, init);
        expectClientError(response, `tampered ${variant.slice(0, 30)}`);
        expect(response.status).toBe(401);
      }
    }
  }, 30_000);

  test('rejects: an expired session token minted with the right key', async () => {
    const past = new FakeClock(Date.now() - 3 * 3_600_000);
    const { token } = await forge(KEY_1, past).issueSession({ sub: 'admin', role: 'admin', ttlMs: 2 * 3_600_000 });
    const response = await call(`${d1.url}/v1/admin/agents`, { ca: d1.caPem, cookie: cookieOf(token) });
    expectClientError(response, 'expired admin token');
    expect([response.status, response.json.error.code]).toEqual([401, 'SESSION_EXPIRED']);
    // Control: the same forger with the present clock is accepted, so only expiry refused it.
    const fresh = await forge(KEY_1).issueSession({ sub: 'admin', role: 'admin', ttlMs: 60_000 });
    expect((await call(`${d1.url}/v1/admin/agents`, { ca: d1.caPem, cookie: cookieOf(fresh.token) })).status).toBe(200);
  }, 30_000);

  test('rejects: a token not valid yet (issued in the future)', async () => {
    const future = new FakeClock(Date.now() + 3_600_000);
    const { token } = await forge(KEY_1, future).issueSession({ sub: 'alice', role: 'user', ttlMs: 3_600_000 });
    const response = await me(d1, { cookie: cookieOf(token) });
    expect(response.status).toBe(401);
  }, 30_000);

  test("rejects: another director's tokens (different token_key), both ways", async () => {
    const onD2 = await me(d2, { cookie: alice });
    expectClientError(onD2, 'd1 cookie at d2');
    expect(onD2.status).toBe(401);
    const d2Admin = await login(d2.url, d2.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const onD1 = await call(`${d1.url}/v1/admin/agents`, { ca: d1.caPem, cookie: d2Admin });
    expect([onD1.status, onD1.json.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const minted = await forge(KEY_2).issueSession({ sub: 'admin', role: 'admin', ttlMs: 60_000 });
    expect((await call(`${d1.url}/v1/sessions`, { ca: d1.caPem, cookie: cookieOf(minted.token) })).status).toBe(401);
  }, 30_000);

  test('rejects: a connection token used as a session token', async () => {
    const conn = await freshConnectionToken();
    for (const init of [{ cookie: cookieOf(conn) }, { headers: { authorization: `Bearer ${conn}` } }]) {
      const response = await me(d1, init);
      expect([response.status, response.json.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    }
    const asUser = await call(`${d1.url}/v1/user/sessions`, { method: 'POST', ca: d1.caPem, cookie: cookieOf(conn), json: { poolId: 'workstations' } });
    expect(asUser.status).toBe(401);
  }, 30_000);

  test('rejects: a role claim changed by re-minting under another key cannot reach admin routes', async () => {
    const forged = await forge(KEY_2).issueSession({ sub: 'alice', role: 'admin', ttlMs: 60_000 });
    const response = await call(`${d1.url}/v1/admin/agents`, { ca: d1.caPem, cookie: cookieOf(forged.token) });
    expect(response.status).toBe(401);
  }, 30_000);
});

describe('connection tokens at the DCV verifier', () => {
  test('ok: the control case: a fresh token says yes', async () => {
    expect(await verify(d1, sessionId, await freshConnectionToken())).toBe(YES);
  }, 30_000);

  test("rejects: the session token, a tampered token and another key's token", async () => {
    expectNo(await verify(d1, sessionId, aliceToken), 'session token as connection token');
    const conn = await freshConnectionToken();
    expectNo(await verify(d1, sessionId, conn.slice(0, -2) + (conn.endsWith('AA') ? 'BB' : 'AA')), 'tampered');
    const other = await forge(KEY_2).issueConnection({ sub: 'alice', sessionId, serverId, ttlMs: 60_000 });
    expectNo(await verify(d1, sessionId, other.token), "another director's key");
    // Control for the forger: the right key and claims say yes, so the key is what refused it.
    const right = await forge(KEY_1).issueConnection({ sub: 'alice', sessionId, serverId, ttlMs: 60_000 });
    expect(await verify(d1, sessionId, right.token)).toBe(YES);
  }, 30_000);

  test('rejects: a token for another session, another server or another user', async () => {
    const forger = forge(KEY_1);
    expectNo(await verify(d1, 'alice-00000000', (await forger.issueConnection({ sub: 'alice', sessionId, serverId, ttlMs: 60_000 })).token), 'other session id');
    expectNo(await verify(d1, sessionId, (await forger.issueConnection({ sub: 'alice', sessionId, serverId: 'other-host', ttlMs: 60_000 })).token), 'other server');
    expectNo(await verify(d1, sessionId, (await forger.issueConnection({ sub: 'bob', sessionId, serverId, ttlMs: 60_000 })).token), 'other user');
  }, 30_000);

  test('rejects: an expired connection token (minted in the past)', async () => {
    const past = new FakeClock(Date.now() - 600_000);
    const { token } = await forge(KEY_1, past).issueConnection({ sub: 'alice', sessionId, serverId, ttlMs: 300_000 });
    expectNo(await verify(d1, sessionId, token), 'expired connection token');
  }, 30_000);

  test('rejects: replay past the use limit (connection_token_max_uses = 3)', async () => {
    const conn = await freshConnectionToken();
    for (let use = 0; use < 3; use++) expect(await verify(d1, sessionId, conn)).toBe(YES);
    expectNo(await verify(d1, sessionId, conn), 'fourth use');
  }, 30_000);

  test('rejects: the token fetched at start-up once connection_token_ttl (10 s) has passed', async () => {
    const wait = earlyToken.fetchedAt + CONNECTION_TTL_MS + 1000 - Date.now();
    if (wait > 0) await Bun.sleep(wait);
    expectNo(await verify(d1, sessionId, earlyToken.token), 'expired for real');
  }, 30_000);

  test('rejects: a token replayed after its session closed, even within its lifetime and uses', async () => {
    const conn = await freshConnectionToken();
    const closed = await call(`${d1.url}/v1/user/sessions/${sessionId}`, { method: 'DELETE', ca: d1.caPem, cookie: alice });
    expect(closed.status).toBe(200);
    expectNo(await verify(d1, sessionId, conn), 'after close');
    // Still no after the agent's next updates (the session must not come back).
    await Bun.sleep(1200);
    expectNo(await verify(d1, sessionId, conn), 'after close and updates');
    await expectHealthy(d1, 'after token abuse');
  }, 30_000);
});
