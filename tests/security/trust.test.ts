import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { dcvArgvLog, startDirector, startDirectorWithAgent, TEST_USERS, type AgentHandle, type DirectorHandle, type DirectorWithAgent } from '../helpers/dcvix.ts';
import { registrationBody } from '../helpers/agent-csr.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, repoRoot } from '../helpers/temp.ts';

/**
 * Trust boundaries with a real director and agent: sessions only an agent vouches for, admin overrides,
 * revoking an agent that has sessions, a vanished policy file, bulk actions, one request id in both logs.
 */
let director: DirectorHandle;
let agent: AgentHandle;
let admin: string;
let serverId: string;
let guid: string;
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const as = (user: string) => login(director.url, director.caPem, user, TEST_USERS[user]!);
const sessionsAsAdmin = async () => (await api('/v1/sessions', { cookie: admin })).json.sessions as any[];

let stack: DirectorWithAgent;

beforeAll(async () => {
  stack = await startDirectorWithAgent();
  ({ director, agent, admin, serverId } = stack);
  guid = readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim();
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  // The orphan test restarts the director.
  await director?.stop();
  cleanupTempDirs();
});

describe('sessions an agent reports', () => {
  test('rejects: a session the host reports for a user the policy keeps off that server stays out of their list; admins see it unmanaged', async () => {
    // Someone on the host starts a session for bob, who may use no server.
    const sim = Bun.spawnSync([process.execPath, join(repoRoot, 'tests/fixtures/dcv-simulator.ts'), 'create-session', '--type', 'virtual', '--owner', 'bob', 'rogue-1'], { env: agent.env });
    expect(sim.exitCode).toBe(0);
    const rogue = await eventually(async () => (await sessionsAsAdmin()).find((s) => s.id === 'rogue-1'), 10_000, 'rogue session reported');
    expect(rogue.unmanaged).toBe(true);
    const onServer = (await api('/v1/servers', { cookie: admin })).json.servers[0].sessions.find((s: any) => s.id === 'rogue-1');
    expect(onServer.unmanaged).toBe(true);
    const bob = await as('bob');
    const servers = (await api('/v1/user/servers', { cookie: bob })).json;
    expect(JSON.stringify(servers)).not.toContain('rogue-1');
    const conn = await api('/v1/user/sessions/rogue-1/connection', { cookie: bob });
    expect([conn.status, conn.json.error.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect((await api('/v1/user/connectiontoken?sessionId=rogue-1', { cookie: bob })).status).toBe(404);
  });

  test('rejects: an admin creating a session for a user the policy does not allow -> 403 NOT_PERMITTED; ok with override, audited', async () => {
    const body = { serverId, userId: 'bob', sessionType: 'virtual', sessionId: 'bob-forced' };
    const refused = await api('/v1/sessions', { method: 'POST', cookie: admin, json: body });
    expect([refused.status, refused.json.error.code]).toEqual([403, 'NOT_PERMITTED']);
    const ok = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { ...body, override: true } });
    expect(ok.status).toBe(200);
    const audit = await api('/v1/admin/audit?type=session.create.override', { cookie: admin });
    expect(audit.json.events[0]).toMatchObject({ actor: 'admin', target: 'bob-forced', outcome: 'success' });
    // Created through the director: managed, and bob can open it.
    expect((await sessionsAsAdmin()).find((s) => s.id === 'bob-forced').unmanaged).toBeUndefined();
    const bob = await as('bob');
    const conn = await api('/v1/user/sessions/bob-forced/connection', { cookie: bob });
    expect(conn.status).toBe(200);
    // Every answer carrying a token is never cached: connection info, connection token, .dcv file.
    expect(conn.headers.get('cache-control')).toBe('no-store');
    expect((await api('/v1/user/connectiontoken?sessionId=bob-forced', { cookie: bob })).headers.get('cache-control')).toBe('no-store');
    expect((await api('/v1/user/sessions/bob-forced/connection.dcv', { cookie: bob })).headers.get('cache-control')).toBe('no-store');
  });
});

describe('request ids, agent logs, config audit', () => {
  test('ok: one request id traces a create through the director and the agent logs (request and dcv command lines)', async () => {
    const alice = await as('alice');
    // A client's own X-Request-Id is not taken: the director makes its own.
    const response = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations' }, headers: { 'x-request-id': 'planted-at-director' } });
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id')!;
    expect(id).not.toBe('planted-at-director');
    await director.proc.waitFor((l) => l.includes(id) && l.includes('"msg":"request"'), 5000, 'director request line');
    const served = JSON.parse(await agent.proc.waitFor((l) => l.includes(id) && l.includes('"msg":"request"'), 5000, 'agent request line'));
    expect(served).toMatchObject({ method: 'POST', route: '/v1/sessions', status: 201 });
    const cmd = JSON.parse(await agent.proc.waitFor((l) => l.includes(id) && l.includes('"msg":"dcv command"'), 5000, 'agent dcv line'));
    expect(cmd.argv[0]).toBe('create-session');
    expect(cmd.exitCode).toBe(0);
    expect(typeof cmd.ms).toBe('number');
    expect([...director.proc.lines, ...agent.proc.lines].some((l) => l.includes('planted-at-director'))).toBe(false);
  });

  test('rejects: the agent keeps an X-Request-Id only from the director: a caller without its certificate gets a fresh id', async () => {
    const base = `https://127.0.0.1:${await agent.port()}/v1/sessions`;
    const callers = {
      'planted-no-cert': [],
      // A certificate from the same CA that is not the director's (the agent's own).
      'planted-agent-cert': ['--cert', join(agent.dataDir, 'agent.crt'), '--key', join(agent.dataDir, 'agent.key')],
    };
    for (const [planted, certArgs] of Object.entries(callers)) {
      const result = await run(['curl', '-sk', ...certArgs, '-H', `X-Request-Id: ${planted}`, '-D', '-', '-o', '/dev/null', base]);
      expect(result.stdout).not.toContain(planted);
      // The agent's answers carry the same hardening headers as the director's.
      expect(result.stdout).toMatch(/^strict-transport-security: max-age=\d+/im);
      expect(result.stdout).toMatch(/^x-content-type-options: nosniff/im);
      const fresh = result.stdout.match(/^x-request-id: (\S+)/im)![1]!;
      const line = JSON.parse(await agent.proc.waitFor((l) => l.includes(fresh) && l.includes('"msg":"request"'), 5000, 'agent request line'));
      expect([line.route, line.status]).toEqual(['/v1/sessions', planted === 'planted-no-cert' ? 401 : 403]);
      expect(agent.proc.lines.some((l) => l.includes(planted))).toBe(false);
    }
  });

  test('rejects: a known agent path with a wrong method answers 405 with Allow; an unknown path stays 404', async () => {
    const base = `https://127.0.0.1:${await agent.port()}`;
    const put = await run(['curl', '-sk', '-X', 'PUT', '-D', '-', `${base}/v1/sessions`]);
    expect(put.stdout).toMatch(/^HTTP\/\S+ 405/);
    expect(put.stdout).toMatch(/^allow: GET, HEAD, POST/im);
    expect(put.stdout).toContain('METHOD_NOT_ALLOWED');
    expect((await run(['curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', `${base}/v1/nothing`])).stdout).toBe('404');
  });

  test('ok: a DCV config change is audited (keys, not values)', async () => {
    // Through the user route (/v1/user/servers/{id}/config); the admin audit shows who and which keys (an admin
    // beyond their own allow-list: an override).
    const response = await api(`/v1/user/servers/${serverId}/config`, { method: 'POST', cookie: admin, json: { config: [{ section: 'display', key: 'quality', value: '(30,80)' }] } });
    expect(response.status).toBe(200);
    const audit = await api('/v1/admin/audit?type=server.config', { cookie: admin });
    expect(audit.json.events[0]).toMatchObject({ actor: 'admin', target: serverId, outcome: 'success', detail: `admin override: ${serverId}: display.quality` });
    expect(JSON.stringify(audit.json)).not.toContain('(30,80)');
    // Nor in the agent's log of the dcv command it ran.
    const cmd = JSON.parse(await agent.proc.waitFor((l) => l.includes('"msg":"dcv command"') && l.includes('set-config'), 5000, 'agent set-config line'));
    expect(cmd.argv).toEqual(['set-config', '--section', 'display', '--key', 'quality', '***']);
    expect(agent.proc.lines.some((l) => l.includes('(30,80)'))).toBe(false);
  });
});

describe('policy reload', () => {
  test('ok: users.json gone or unreadable at SIGHUP changes nothing: the stored policy stays in force, the log says the files cannot be read', async () => {
    const alice = await as('alice');
    unlinkSync(join(director.dir, 'users.json'));
    director.proc.proc.kill('SIGHUP');
    await director.proc.waitForMsg('policy files not readable; they only seed an empty store and are what policy import reads', 5000);
    expect((await api('/v1/user/servers', { cookie: alice })).json.pools).toHaveLength(1);
    const audit = await eventually(async () => (await api('/v1/admin/audit?type=policy.reload', { cookie: admin })).json.events[0], 5000, 'policy.reload audited');
    expect(audit).toMatchObject({ outcome: 'success', actor: 'SIGHUP', detail: 'version 1' });
    expect((await api('/metrics')).text).toContain('dcvix_policy_reloads_total{outcome="success"} 1');
    // Present but unreadable (a directory where the file should be): the same.
    mkdirSync(join(director.dir, 'users.json'));
    const since = director.proc.lines.length;
    director.proc.proc.kill('SIGHUP');
    await director.proc.waitForMsg('policy files not readable; they only seed an empty store and are what policy import reads', 5000, since);
    rmdirSync(join(director.dir, 'users.json'));
    expect((await api('/v1/user/servers', { cookie: alice })).json.pools).toHaveLength(1);
    expect((await api('/metrics')).text).not.toContain('dcvix_policy_reloads_total{outcome="failure"}');
  });
});

describe('revoking an agent with live sessions', () => {
  test('rejects: revoke without force -> 409 AGENT_HAS_SESSIONS naming the count; ok with force: sessions shown orphaned, kept over a restart, closable', async () => {
    const count = (await sessionsAsAdmin()).filter((s) => s.serverId === serverId).length;
    expect(count).toBeGreaterThan(0);
    const listed = (await api('/v1/admin/agents', { cookie: admin })).json.agents.find((a: any) => a.guid === guid);
    expect(listed.sessionCount).toBe(count);
    // A connection token bob got before the revoke stops verifying once his session is orphaned.
    const bobToken = (await api('/v1/user/connectiontoken?sessionId=bob-forced', { cookie: await as('bob') })).json.token as string;
    const verify = async () => (await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId: 'bob-forced', authenticationToken: bobToken }) })).text;
    expect(await verify()).toContain('result="yes"');
    const refused = await api(`/v1/admin/agents/${guid}/revoke`, { method: 'POST', cookie: admin });
    expect([refused.status, refused.json.error.code]).toEqual([409, 'AGENT_HAS_SESSIONS']);
    expect(refused.json.error.message).toContain(`${count} live session`);
    const forced = await api(`/v1/admin/agents/${guid}/revoke`, { method: 'POST', cookie: admin, json: { force: true } });
    expect(forced.status).toBe(200);
    const orphans = (await sessionsAsAdmin()).filter((s) => s.serverId === serverId);
    expect(orphans).toHaveLength(count);
    expect(orphans.every((s) => s.orphaned === true)).toBe(true);
    expect(await verify()).toContain('result="no"');
    // Its owner no longer sees it (nothing to connect to); admins do.
    expect(JSON.stringify((await api('/v1/user/servers', { cookie: await as('bob') })).json)).not.toContain('bob-forced');
    // Still there after the stale-session sweep (1 s in tests) would have dropped an unconfirmed one.
    await Bun.sleep(2500);
    expect((await sessionsAsAdmin()).filter((s) => s.orphaned)).toHaveLength(count);
    // A director restart keeps them listed (the revoked server itself stays out of the server list).
    await director.stop();
    director = await startDirector({ dir: director.dir });
    admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const restored = (await sessionsAsAdmin()).filter((s) => s.serverId === serverId);
    expect(restored.map((s) => [s.id, s.orphaned]).sort()).toEqual(orphans.map((s) => [s.id, true]).sort());
    expect((await api('/v1/servers', { cookie: admin })).json.servers.map((s: any) => s.id)).not.toContain(serverId);
    const closesBefore = dcvArgvLog(agent).filter((a) => a[0] === 'close-session').length;
    const del = await api(`/v1/sessions/${orphans[0].id}`, { method: 'DELETE', cookie: admin });
    expect(del.status).toBe(200);
    expect((await sessionsAsAdmin()).some((s) => s.id === orphans[0].id)).toBe(false);
    // The revoked host was not asked.
    expect(dcvArgvLog(agent).filter((a) => a[0] === 'close-session').length).toBe(closesBefore);
  });
});

describe('bulk agent actions', () => {
  test('ok: deny and clear many registrations at once; each GUID answered on its own', async () => {
    const bodies = await Promise.all([1, 2, 3].map((i) => registrationBody(`flood-${i}`)));
    for (const body of bodies) expect((await api('/v1/agent/register', { method: 'POST', json: body })).json.error.code).toBe('AGENT_PENDING');
    const [guidA, guidB, guidC] = bodies.map((x) => x.guid);
    const deny = await api('/v1/admin/agents/bulk', { method: 'POST', cookie: admin, json: { action: 'deny', guids: [guidA, guidB, crypto.randomUUID()] } });
    expect(deny.json.done).toEqual([guidA, guidB]);
    expect(deny.json.failed[0].code).toBe('AGENT_NOT_FOUND');
    // "clear" removes pending and revoked entries (the agent revoked above), never registered ones.
    const clear = await api('/v1/admin/agents/bulk', { method: 'POST', cookie: admin, json: { action: 'clear', guids: [guidC, guid] } });
    expect(clear.json).toEqual({ done: [guidC, guid], failed: [] });
    const left = (await api('/v1/admin/agents', { cookie: admin })).json.agents.map((x: any) => x.guid);
    for (const leftGuid of [guidA, guidB, guidC, guid]) expect(left).not.toContain(leftGuid);
    const bad = await api('/v1/admin/agents/bulk', { method: 'POST', cookie: admin, json: { action: 'explode', guids: [guidA] } });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'INVALID_ACTION']);
    const audit = await api('/v1/admin/audit?type=agent.clear', { cookie: admin });
    expect(audit.json.events.length).toBe(2);
  });
});
