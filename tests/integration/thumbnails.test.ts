import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { dcvArgvLog, dcvSim, startDirectorWithAgent, TEST_USERS, type DirectorWithAgent } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { pngSize } from '../fixtures/sim-png.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * Session thumbnails through real processes: the director asks the agent, the agent runs the
 * simulator's `dcv get-screenshot`, and the PNG comes back to the owner and to admins. The cache time
 * is cut to 3 s (screenshot_cache_time) so "after the cache time" needs no 30 s wait.
 */
const CACHE_S = 3;
let fleet: DirectorWithAgent;
let alice: string;
let bob: string;
let sessionId: string;

/** A GET whose answer is kept as bytes (a PNG) and, when it is an error, as its envelope too. */
async function fetchImage(path: string, cookie?: string) {
  const response = await fetch(`${fleet.director.url}${path}`, { headers: cookie ? { cookie } : {}, tls: { ca: fleet.director.caPem } } as RequestInit);
  const body = new Uint8Array(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    type,
    cacheControl: response.headers.get('cache-control'),
    body,
    code: type.startsWith('application/json') ? JSON.parse(new TextDecoder().decode(body)).error?.code : undefined,
  };
}
/** The get-screenshot command lines the agent's dcv ran, oldest first. */
const screenshots = () => dcvArgvLog(fleet.agent).filter((argv) => argv[0] === 'get-screenshot');

beforeAll(async () => {
  fleet = await startDirectorWithAgent({ director: { config: { screenshot_cache_time: `${CACHE_S}s` } } });
  alice = await login(fleet.director.url, fleet.director.caPem, 'alice', TEST_USERS.alice!);
  bob = await login(fleet.director.url, fleet.director.caPem, 'bob', TEST_USERS.bob!);
  const started = await call(`${fleet.director.url}/v1/user/sessions`, { method: 'POST', ca: fleet.director.caPem, cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
  expect(started.status).toBe(200);
  sessionId = started.json.session.id;
}, 90_000);

afterAll(async () => {
  await fleet?.stop();
  cleanupTempDirs();
});

describe('session thumbnails end to end', () => {
  test('ok: the owner gets a 160x100-bounded PNG from the exact dcv command line; an admin within the cache time gets the same image without a second dcv call', async () => {
    const own = await fetchImage(`/v1/user/sessions/${sessionId}/screenshot`, alice);
    expect([own.status, own.type, own.cacheControl]).toEqual([200, 'image/png', `private, max-age=${CACHE_S}`]);
    expect(pngSize(own.body)).toEqual({ width: 160, height: 90 });
    expect(screenshots()).toEqual([['get-screenshot', '--max-width', '160', '--max-height', '100', '--format', 'PNG', '--json', sessionId]]);
    const admin = await fetchImage(`/v1/sessions/${sessionId}/screenshot`, fleet.admin);
    expect([admin.status, admin.type]).toEqual([200, 'image/png']);
    expect([...admin.body]).toEqual([...own.body]);
    expect(screenshots()).toHaveLength(1);
    // The admin's look is audited, naming the owner; the owner's own is not.
    const audit = await call(`${fleet.director.url}/v1/admin/audit?type=session.screenshot`, { ca: fleet.director.caPem, cookie: fleet.admin });
    expect(audit.json.events.map((event: { actor: string; target: string; detail: string }) => [event.actor, event.target, event.detail.includes("alice's session")])).toEqual([
      ['admin', sessionId, true],
    ]);
  });

  test('ok: after the cache time the agent is asked again, at the size asked for', async () => {
    const before = screenshots().length;
    await Bun.sleep(CACHE_S * 1000 + 200);
    const larger = await fetchImage(`/v1/sessions/${sessionId}/screenshot?maxWidth=320&maxHeight=200`, fleet.admin);
    expect([larger.status, pngSize(larger.body)]).toEqual([200, { width: 320, height: 180 }]);
    expect(screenshots().slice(before)).toEqual([['get-screenshot', '--max-width', '320', '--max-height', '200', '--format', 'PNG', '--json', sessionId]]);
  });

  test('rejects: anyone but the owner on the user route is 404 (as for the other session routes), a user on the admin route 403, nobody 401; no dcv call', async () => {
    const before = screenshots().length;
    const other = await fetchImage(`/v1/user/sessions/${sessionId}/screenshot`, bob);
    expect([other.status, other.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    const notAdmin = await fetchImage(`/v1/sessions/${sessionId}/screenshot`, alice);
    expect([notAdmin.status, notAdmin.code]).toEqual([403, 'NOT_ADMIN']);
    const nobody = await fetchImage(`/v1/user/sessions/${sessionId}/screenshot`);
    expect([nobody.status, nobody.code]).toEqual([401, 'UNAUTHENTICATED']);
    const unknown = await fetchImage('/v1/sessions/no-such-session/screenshot', fleet.admin);
    expect([unknown.status, unknown.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect(screenshots()).toHaveLength(before);
  });

  test('rejects: a size outside 16..1920 is 400 INVALID_SCREENSHOT_SIZE, a bad id 400 INVALID_SESSION_ID, on both routes; no dcv call', async () => {
    const before = screenshots().length;
    for (const [path, cookie] of [
      [`/v1/user/sessions/${sessionId}/screenshot?maxWidth=15`, alice],
      [`/v1/user/sessions/${sessionId}/screenshot?maxHeight=1921`, alice],
      [`/v1/sessions/${sessionId}/screenshot?maxWidth=wide`, fleet.admin],
    ] as const) {
      const answer = await fetchImage(path, cookie);
      expect({ path, status: answer.status, code: answer.code }).toEqual({ path, status: 400, code: 'INVALID_SCREENSHOT_SIZE' });
    }
    const badId = await fetchImage('/v1/sessions/..%2Fetc/screenshot', fleet.admin);
    expect([badId.status, badId.code]).toEqual([400, 'INVALID_SESSION_ID']);
    expect(screenshots()).toHaveLength(before);
  });

  test("rejects: dcv failing on the host is the agent's usual error (502 DCV_FAILED); a session gone from the host is 404", async () => {
    await Bun.sleep(CACHE_S * 1000 + 200);
    await dcvSim(fleet.agent, 'sim-fail', 'get-screenshot=error');
    const failing = await fetchImage(`/v1/user/sessions/${sessionId}/screenshot`, alice);
    expect([failing.status, failing.code]).toEqual([502, 'DCV_FAILED']);
    await dcvSim(fleet.agent, 'sim-fail', '--clear');
    await dcvSim(fleet.agent, 'close-session', sessionId);
    const gone = await fetchImage(`/v1/sessions/${sessionId}/screenshot`, fleet.admin);
    expect([gone.status, gone.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    // Once an update has told the director, the session is unknown to it as well.
    await eventually(async () => (await fetchImage(`/v1/user/sessions/${sessionId}/screenshot`, alice)).status === 404, 15_000, 'the session forgotten');
  });
});
