import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { approveAgent, dcvArgvLog, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { expectClientError, SimAgent } from '../helpers/hostile.ts';
import { call, login } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, repoRoot } from '../helpers/temp.ts';

/**
 * Concurrency and consistency under hostile timing: double clicks, several users racing for the one
 * console session of a host, closing a session the host already lost, and a second agent claiming a
 * host name that is taken. The answer is a clear 4xx (or success), never a 5xx, and no session is lost.
 */
let director: DirectorHandle;
let agent: AgentHandle;
let admin: string;
let serverId: string;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  const users = { alice: { servers: ['ws-race'], pools: [] }, bob: { servers: ['ws-race'], pools: [] }, carol: { servers: ['ws-race'], pools: [] } };
  director = await startDirector({ policy: { users: { admins: ['admin'], users, groups: {} }, pools: { pools: {} } } });
  // Slow updates: what the director knows between them comes from its own calls only.
  agent = await startAgent(director.url, { config: { hostname: 'ws-race', update_interval: '5s', idle_timeout: 0 } });
  ({ adminCookie: admin, serverId } = await approveAgent(director, agent));
  for (const user of ['alice', 'bob', 'carol']) cookies[user] = await login(director.url, director.caPem, user, TEST_USERS[user]!);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

const sessions = async () => (await call(`${director.url}/v1/sessions`, { ca: director.caPem, cookie: admin })).json.sessions as { id: string; owner: string; serverId: string; type: string }[];
const start = (user: string, sessionType: string) => call(`${director.url}/v1/user/sessions`, { method: 'POST', ca: director.caPem, cookie: cookies[user], json: { serverId, sessionType } });

describe('races and consistency', () => {
  test('ok: ten simultaneous clicks by one user start one session', async () => {
    const rs = await Promise.all(Array.from({ length: 10 }, () => start('alice', 'virtual')));
    expect(rs.map((r) => r.status)).toEqual(Array(10).fill(200));
    const ids = new Set(rs.map((r) => r.json.session.id));
    expect(ids.size).toBe(1);
    expect(rs.filter((r) => !r.json.reconnected)).toHaveLength(1);
    expect(dcvArgvLog(agent).filter((a) => a[0] === 'create-session')).toHaveLength(1);
    expect((await sessions()).filter((s) => s.owner === 'alice')).toHaveLength(1);
  }, 30_000);

  test('rejects: users racing for the one console session: one wins, the others get 409, not 502', async () => {
    const rs = await Promise.all(['alice', 'bob', 'carol'].map((u) => start(u, 'console')));
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
    for (const response of rs.filter((x) => x.status !== 200)) {
      expectClientError(response, 'losing console start');
      expect(response.json.error.code).toBe('CONSOLE_IN_USE');
    }
  }, 30_000);

  test('ok: closing a session the host already lost succeeds and forgets it, not 502', async () => {
    const response = await call(`${director.url}/v1/sessions`, {
      method: 'POST',
      ca: director.caPem,
      cookie: admin,
      json: { serverId, userId: 'bob', sessionType: 'virtual', sessionId: 'lost-on-host' },
    });
    expect(response.status).toBe(200);
    // Closed on the host behind the director's back (a user logged out, dcv restarted...).
    await run([join(repoRoot, 'tests/fixtures/dcv-simulator.ts'), 'close-session', 'lost-on-host'], { env: agent.env });
    const del = await call(`${director.url}/v1/sessions/lost-on-host`, { method: 'DELETE', ca: director.caPem, cookie: admin });
    expect(del.status, del.text).toBeLessThan(500);
    expect((await sessions()).map((s) => s.id)).not.toContain('lost-on-host');
  }, 30_000);

  test('rejects: a second agent claiming a registered host name cannot take over its sessions', async () => {
    const first = await SimAgent.create('ws-twin');
    await first.enrol(director, admin);
    expect((await first.update(director.url, first.updateBody([{ id: 'twin-a', owner: 'alice' }]))).status).toBe(200);
    const second = await SimAgent.create('ws-twin');
    // Either the director refuses the duplicate name at registration or approval...
    const enrolled = await second.enrol(director, admin).then(
      () => true,
      () => false,
    );
    // ...or it must refuse the impostor's updates; in no case may the first host's session vanish.
    if (enrolled) await second.update(director.url, second.updateBody([{ id: 'twin-b', owner: 'bob' }]));
    const all = await sessions();
    expect(all.find((s) => s.id === 'twin-a')?.serverId).toBe('ws-twin');
    const servers = (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json.servers as { id: string; guid: string }[];
    expect(servers.find((s) => s.id === 'ws-twin')?.guid).toBe(first.guid);
  }, 30_000);
});
