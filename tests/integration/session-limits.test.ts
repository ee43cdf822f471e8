import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { approveAgent, dcvArgvLog, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * Session limits and a pool's launch settings through real processes: a director and two agents on the
 * dcv simulator, ws-a with max_virtual_sessions = 1 and ws-b without a limit. Pool `eng` (both hosts)
 * allows 2 sessions per user and sets every launch setting; pool `solo` holds ws-a alone.
 */
const LAUNCH = { init: '/opt/dcv/init eng.sh', storage_root: '/srv/dcv-storage', gl: 'off', max_concurrent_clients: 2 };
const POLICY = {
  users: { admins: ['admin'], users: { alice: { servers: [], pools: ['eng'] }, bob: { servers: [], pools: ['eng', 'solo'] } }, groups: {} },
  pools: { pools: { eng: { servers: ['ws-a', 'ws-b'], max_sessions_per_user: 2, ...LAUNCH }, solo: { servers: ['ws-a'] } } },
};

let director: DirectorHandle;
let wsA: AgentHandle;
let wsB: AgentHandle;
let admin: string;
const cookies = new Map<string, string>();

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const start = (user: string, body: Record<string, unknown>) => api('/v1/user/sessions', { method: 'POST', cookie: cookies.get(user), json: { sessionType: 'virtual', ...body } });
const creates = (agent: AgentHandle) => dcvArgvLog(agent).filter((argv) => argv[0] === 'create-session');
const allCreates = () => [...creates(wsA), ...creates(wsB)];
/** Waits until the director holds `count` sessions on `serverId` (creates are answered once written). */
const sessionsOn = (serverId: string, count: number) =>
  eventually(
    async () => (await api('/v1/servers', { cookie: admin })).json.servers.find((s: { id: string }) => s.id === serverId)?.sessions.length === count,
    10_000,
    `${count} sessions on ${serverId}`,
  );

beforeAll(async () => {
  director = await startDirector({ policy: POLICY });
  [wsA, wsB] = await Promise.all([
    startAgent(director.url, { config: { hostname: 'ws-a', update_interval: '500ms', max_virtual_sessions: 1 } }),
    startAgent(director.url, { config: { hostname: 'ws-b', update_interval: '500ms' } }),
  ]);
  ({ adminCookie: admin } = await approveAgent(director, wsA));
  await approveAgent(director, wsB, { adminCookie: admin });
  for (const user of ['alice', 'bob']) cookies.set(user, await login(director.url, director.caPem, user, `${user}-pw`));
}, 90_000);

afterAll(async () => {
  await Promise.all([wsA, wsB].map((agent) => agent?.stop()));
  await director?.stop();
  cleanupTempDirs();
});

describe('session limits and launch settings', () => {
  test("ok: the agent's max_virtual_sessions reaches the director (GET /v1/servers)", async () => {
    const servers = (await api('/v1/servers', { cookie: admin })).json.servers as { id: string; maxVirtualSessions: number | null }[];
    expect(servers.map((s) => [s.id, s.maxVirtualSessions])).toEqual([
      ['ws-a', 1],
      ['ws-b', null],
    ]);
  });

  test("ok: a session placed through the pool is created with the pool's launch settings, exactly", async () => {
    const first = await start('alice', { poolId: 'eng' });
    expect([first.status, first.json.reconnected]).toEqual([200, false]);
    const id = first.json.session.id as string;
    expect(allCreates()).toEqual([
      ['create-session', '--type', 'virtual', '--owner', 'alice', '--storage-root', '/srv/dcv-storage', '--init', '/opt/dcv/init eng.sh', '--gl', 'off', '--max-concurrent-clients', '2', id],
    ]);
  });

  test('ok: `new` gives the same user a second virtual session while max_sessions_per_user allows; then 409 and nothing created', async () => {
    const again = await start('alice', { poolId: 'eng' });
    expect([again.status, again.json.reconnected]).toEqual([200, true]);
    const second = await start('alice', { poolId: 'eng', new: true });
    expect([second.status, second.json.reconnected]).toEqual([200, false]);
    expect(second.json.session.id).not.toBe(again.json.session.id);
    // ws-a takes one virtual session: the two are on different hosts, whichever came first.
    expect([creates(wsA).length, creates(wsB).length]).toEqual([1, 1]);
    const third = await start('alice', { poolId: 'eng', new: true });
    expect([third.status, third.json.error.code, third.json.error.limit, third.json.error.max, third.json.error.poolId]).toEqual([409, 'SESSION_LIMIT_REACHED', 'max_sessions_per_user', 2, 'eng']);
    expect(third.json.error.message).toContain('max_sessions_per_user');
    expect(allCreates()).toHaveLength(2);
    // Without `new` her session is still handed back at the limit.
    expect((await start('alice', { poolId: 'eng' })).json.reconnected).toBe(true);
  });

  test('ok: a host at its max_virtual_sessions gets no second virtual session: placement goes to another member, or refuses', async () => {
    await sessionsOn('ws-a', 1);
    // ws-b busier than ws-a, so ws-a would be the first choice without its limit.
    const forCarol = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId: 'ws-b', userId: 'carol', sessionType: 'virtual', override: true } });
    expect(forCarol.status).toBe(200);
    await sessionsOn('ws-b', 2);
    const bob = await start('bob', { poolId: 'eng' });
    expect([bob.status, bob.json.session?.serverId]).toEqual([200, 'ws-b']);
    const solo = await start('bob', { poolId: 'solo', new: true });
    expect([solo.status, solo.json.error.code, solo.json.error.limit, solo.json.error.poolId]).toEqual([409, 'SESSION_LIMIT_REACHED', 'max_virtual_sessions', 'solo']);
    const direct = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId: 'ws-a', userId: 'bob', sessionType: 'virtual', override: true } });
    expect([direct.status, direct.json.error.code, direct.json.error.serverId]).toEqual([409, 'SESSION_LIMIT_REACHED', 'ws-a']);
    expect(creates(wsA)).toHaveLength(1);
    // The audit is written in the background: wait for the three refusals to be stored.
    const refusals = await eventually(
      async () => {
        const events = (await api('/v1/admin/audit?type=session.create&outcome=failure', { cookie: admin })).json.events as { actor: string; target: string; detail: string }[];
        return events.length >= 3 ? events : undefined;
      },
      10_000,
      'refusals audited',
    );
    expect(refusals.map((e) => [e.actor, e.target, e.detail.split(':')[0]]).reverse()).toEqual([
      ['alice', 'eng', 'SESSION_LIMIT_REACHED (max_sessions_per_user)'],
      ['bob', 'solo', 'SESSION_LIMIT_REACHED (max_virtual_sessions)'],
      ['admin', 'ws-a', 'SESSION_LIMIT_REACHED (max_virtual_sessions)'],
    ]);
  });

  test('rejects: a bad launch setting is refused, naming the file, the pool and the key; the policy in force stays', async () => {
    const before = (await api('/v1/admin/policy', { cookie: admin })).json.status.version.version;
    const refused = await director.importPolicy({ users: POLICY.users, pools: { pools: { eng: { servers: ['ws-a'], storage_root: 'relative/dir' } } } });
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('pools.json: pools.eng.storage_root must be an absolute path')]);
    const edited = await api('/v1/admin/policy', { method: 'PUT', cookie: admin, json: { version: before, users: POLICY.users, pools: { pools: { eng: { servers: ['ws-a'], gl: 'sometimes' } } } } });
    expect([edited.status, edited.json.error.code, edited.json.error.message]).toEqual([400, 'POLICY_INVALID', expect.stringMatching(/^pools\.json: pools\.eng\.gl /)]);
    expect((await api('/v1/admin/policy', { cookie: admin })).json.status.version.version).toBe(before);
    expect((await start('alice', { poolId: 'eng' })).json.reconnected).toBe(true);
  });
});
