import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { freePort } from '../../scripts/lib/free-port.ts';
import { approveAgent, dcvArgvLog, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * Draining a DCV host for maintenance, through real processes: a director on the embedded store and
 * two agents with the dcv simulator (ws-a, ws-b) in one pool. A drained host gets no new sessions
 * (a pool places elsewhere, a create by name is 503 SERVER_DRAINED), its running sessions stay and
 * reconnect, users see it in maintenance; the drain survives a director restart; close-sessions runs
 * `dcv close-session <id>` for each session there and audits the reason; open ends it.
 */
const USERS = ['alice', 'bob', 'carol', 'dave'];
const POLICY = {
  users: {
    admins: ['admin'],
    users: { ...Object.fromEntries(USERS.map((user) => [user, { servers: [], pools: ['workstations'] }])), alice: { servers: ['ws-a'], pools: ['workstations'] } },
    groups: {},
  },
  pools: { pools: { workstations: { description: 'Two hosts', servers: ['ws-a', 'ws-b'] } } },
};
const PASSWORDS = Object.fromEntries(USERS.map((user) => [user, `${user}-pw`]));

let dir: string;
let port: number;
let director: DirectorHandle;
let hostA: AgentHandle;
let hostB: AgentHandle;
let admin: string;
const cookies = new Map<string, string>();
/** Sessions on ws-a before the drain: alice's (made by name) and one an admin made for dave. */
const onA: string[] = [];

const start = () => startDirector({ dir, config: { director_port: port }, policy: POLICY, users: PASSWORDS });
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const asAdmin = (path: string, json?: unknown) => api(path, { method: 'POST', cookie: admin, ...(json === undefined ? {} : { json }) });
const createOnPool = (user: string) => api('/v1/user/sessions', { method: 'POST', cookie: cookies.get(user), json: { poolId: 'workstations', sessionType: 'virtual' } });
const createByName = (user: string, sessionType = 'virtual') => api('/v1/user/sessions', { method: 'POST', cookie: cookies.get(user), json: { serverId: 'ws-a', sessionType } });
const adminCreate = (serverId: string, userId: string) => api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId, userId, sessionType: 'virtual', override: true } });
const adminServer = async (id: string) => (await api('/v1/servers', { cookie: admin })).json.servers.find((server: { id: string }) => server.id === id);
const argvOf = (agent: AgentHandle, command: string) => dcvArgvLog(agent).filter((argv) => argv[0] === command);
const audits = async (type: string) => (await api(`/v1/admin/audit?type=${type}&limit=100`, { cookie: admin })).json.events as { actor: string; target: string; outcome: string; detail: string }[];
/** The audit is written behind the answer: wait until `count` events of `type` are there. */
const auditsOnce = (type: string, count: number) =>
  eventually(
    async () => {
      const events = await audits(type);
      return events.length >= count && events;
    },
    5000,
    `${count} ${type} audit event(s)`,
  );

async function signIn(): Promise<void> {
  admin = await login(director.url, director.caPem, 'admin', 'admin-pw', 'admin');
  for (const user of USERS) cookies.set(user, await login(director.url, director.caPem, user, `${user}-pw`));
}

beforeAll(async () => {
  dir = tempDir('dcvix-drain-');
  port = await freePort();
  director = await start();
  const agentConfig = (hostname: string) => ({ config: { hostname, update_interval: '500ms', idle_timeout: 0 } });
  [hostA, hostB] = await Promise.all([startAgent(director.url, agentConfig('ws-a')), startAgent(director.url, agentConfig('ws-b'))]);
  ({ adminCookie: admin } = await approveAgent(director, hostA));
  await approveAgent(director, hostB, { adminCookie: admin });
  await signIn();
}, 90_000);

afterAll(async () => {
  await Promise.all([hostA?.stop(), hostB?.stop()]);
  await director?.stop();
  cleanupTempDirs();
});

describe('drain and maintenance of DCV hosts', () => {
  test('ok: a drained host takes no new session (the pool places elsewhere, by name 503 SERVER_DRAINED); running ones stay and reconnect; users see it in maintenance', async () => {
    const mine = await createByName('alice');
    expect([mine.status, mine.json.session.serverId]).toEqual([200, 'ws-a']);
    onA.push(mine.json.session.id, (await adminCreate('ws-a', 'dave')).json.session.id);
    // Three on ws-b: with the fewest sessions, ws-a would be every pool create's choice.
    for (const user of ['x1', 'x2', 'x3']) expect((await adminCreate('ws-b', user)).status).toBe(200);

    const drained = await asAdmin('/v1/servers/ws-a/drain', { reason: 'kernel update' });
    expect(drained.status).toBe(200);
    expect(drained.json).toMatchObject({ changed: true, server: { id: 'ws-a', maintenance: { by: 'admin', reason: 'kernel update' } } });
    expect(drained.json.server.sessions.map((session: { id: string }) => session.id).sort()).toEqual([...onA].sort());

    const placed = await createOnPool('bob');
    expect([placed.status, placed.json.session?.serverId]).toEqual([200, 'ws-b']);
    const byName = await createByName('alice', 'console');
    expect([byName.status, byName.json.error.code]).toEqual([503, 'SERVER_DRAINED']);
    const byAdmin = await adminCreate('ws-a', 'carol');
    expect([byAdmin.status, byAdmin.json.error.code]).toEqual([503, 'SERVER_DRAINED']);
    // Alice's running session there: found again by name and through the pool, and she can connect.
    for (const again of [await createByName('alice'), await createOnPool('alice')]) expect(again.json).toMatchObject({ reconnected: true, session: { id: onA[0] } });
    expect((await api(`/v1/user/sessions/${onA[0]}/connection`, { cookie: cookies.get('alice') })).status).toBe(200);
    expect(argvOf(hostA, 'create-session')).toHaveLength(2);

    const list = (await api('/v1/user/servers', { cookie: cookies.get('alice') })).json;
    expect(list.servers).toEqual([expect.objectContaining({ id: 'ws-a', online: true, maintenance: true, sessions: [expect.objectContaining({ id: onA[0] })] })]);
    expect(list.pools[0].members.map((member: { id: string; maintenance: boolean }) => [member.id, member.maintenance])).toEqual([
      ['ws-a', true],
      ['ws-b', false],
    ]);
  }, 60_000);

  test('ok: draining again changes nothing and is not audited again; the one audit event names the admin and reason', async () => {
    const again = await asAdmin('/v1/servers/ws-a/drain');
    expect(again.json).toMatchObject({ changed: false, server: { maintenance: { by: 'admin', reason: 'kernel update' } } });
    await Bun.sleep(500);
    expect(await auditsOnce('server.drain', 1)).toEqual([expect.objectContaining({ actor: 'admin', target: 'ws-a', outcome: 'success', detail: 'kernel update; 2 live sessions stay' })]);
  });

  test('rejects: an unknown server is 404 SERVER_NOT_FOUND, a user is 403 NOT_ADMIN, a reason with a line break or a blank one is 400; nothing changes', async () => {
    for (const action of ['drain', 'open']) {
      const unknown = await asAdmin(`/v1/servers/no-such-host/${action}`);
      expect([unknown.status, unknown.json.error.code]).toEqual([404, 'SERVER_NOT_FOUND']);
    }
    const missing = await asAdmin('/v1/servers/no-such-host/close-sessions', { reason: 'x' });
    expect([missing.status, missing.json.error.code]).toEqual([404, 'SERVER_NOT_FOUND']);
    const user = await api('/v1/servers/ws-b/drain', { method: 'POST', cookie: cookies.get('alice') });
    expect([user.status, user.json.error.code]).toEqual([403, 'NOT_ADMIN']);
    for (const body of [{ reason: 'two\nlines' }, { reason: '' }]) expect((await asAdmin('/v1/servers/ws-b/drain', body)).status).toBe(400);
    for (const body of [{}, { reason: '   ' }]) expect((await asAdmin('/v1/servers/ws-a/close-sessions', body)).status).toBe(400);
    expect((await adminServer('ws-b')).maintenance).toBeNull();
    expect(argvOf(hostA, 'close-session')).toEqual([]);
  });

  test('ok: the drain survives a director restart; placement still goes elsewhere', async () => {
    await director.stop();
    director = await start();
    await signIn();
    expect((await adminServer('ws-a')).maintenance).toEqual({ since: expect.any(String), by: 'admin', reason: 'kernel update' });
    // Until each agent updates, its server is stale and takes nothing; then only ws-b takes sessions.
    await eventually(async () => !(await adminServer('ws-a')).stale && !(await adminServer('ws-b')).stale, 10_000, 'both agents updating the new director');
    const placed = await createOnPool('carol');
    expect([placed.status, placed.json.session?.serverId]).toEqual([200, 'ws-b']);
    expect((await api('/v1/user/servers', { cookie: cookies.get('alice') })).json.servers[0].maintenance).toBe(true);
  }, 60_000);

  test("ok: close-sessions runs dcv close-session <id> for every session on the host, each audited with the reason; other hosts' sessions stay", async () => {
    const closedOnB = argvOf(hostB, 'close-session').length;
    const answer = await asAdmin('/v1/servers/ws-a/close-sessions', { reason: 'host retired' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ closed: [...onA].sort(), failed: [] });
    expect(argvOf(hostA, 'close-session').sort()).toEqual(onA.map((id) => ['close-session', id]).sort());
    expect(argvOf(hostB, 'close-session')).toHaveLength(closedOnB);
    expect((await adminServer('ws-a')).sessions).toEqual([]);
    expect((await adminServer('ws-b')).sessions).toHaveLength(5);
    const closes = (await auditsOnce('session.close', 2)).filter((event) => onA.includes(event.target as string));
    expect(closes.map((event) => [event.target, event.actor, event.outcome, event.detail]).sort()).toEqual(onA.map((id) => [id, 'admin', 'success', 'ws-a; reason: host retired']).sort());
    expect(await auditsOnce('server.close-sessions', 1)).toEqual([expect.objectContaining({ actor: 'admin', target: 'ws-a', outcome: 'success', detail: 'host retired; 2 closed' })]);
  }, 30_000);

  test('ok: open ends the maintenance: the host takes new sessions again, audited', async () => {
    const opened = await asAdmin('/v1/servers/ws-a/open');
    expect(opened.json).toMatchObject({ changed: true, server: { id: 'ws-a', maintenance: null } });
    expect((await asAdmin('/v1/servers/ws-a/open')).json.changed).toBe(false);
    const placed = await createOnPool('dave');
    expect([placed.status, placed.json.session?.serverId]).toEqual([200, 'ws-a']);
    expect(await auditsOnce('server.open', 1)).toEqual([expect.objectContaining({ actor: 'admin', target: 'ws-a', detail: expect.stringMatching(/^drained by admin since \d{4}-/) })]);
    expect((await api('/v1/user/servers', { cookie: cookies.get('alice') })).json.servers[0].maintenance).toBe(false);
  }, 30_000);
});
