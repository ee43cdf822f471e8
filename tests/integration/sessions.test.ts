import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveAgent, dcvArgvLog, DEFAULT_POLICY, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, repoRoot } from '../helpers/temp.ts';

/**
 * Issue 3 end to end through real processes: login -> policy-filtered server list -> session on a
 * pool -> exact dcv command line -> update shows it -> connection token -> DCV verifier and gateway
 * resolver -> .dcv file -> close through the agent. Plus SIGHUP policy reloads and hostile input.
 */
let director: DirectorHandle;
let agent: AgentHandle;
let admin: string;
let alice: string;
let serverId: string;
let sessionId: string;
let token: string;

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });

beforeAll(async () => {
  director = await startDirector({ config: { dcv_port: 8443 } });
  agent = await startAgent(director.url, { config: { hostname: 'ws-sess', update_interval: '500ms' } });
  ({ adminCookie: admin, serverId } = await approveAgent(director, agent));
  alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

describe('sessions end to end', () => {
  test('ok: a user sees only the servers and pools the policy gives them', async () => {
    const a = await api('/v1/user/servers', { cookie: alice });
    expect(a.status).toBe(200);
    expect(a.json.pools.map((p: { id: string }) => p.id)).toEqual(['workstations']);
    expect(a.json.pools[0].online).toBe(1);
    expect(a.json.servers).toEqual([]);
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    const b = await api('/v1/user/servers', { cookie: bob });
    expect(b.json).toEqual({ servers: [], pools: [] });
    expect((await api('/v1/user/servers')).status).toBe(401);
  });

  test('ok: a session on a pool runs the exact documented dcv command line', async () => {
    const r = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect(r.status).toBe(200);
    expect(r.json.reconnected).toBe(false);
    sessionId = r.json.session.id;
    expect(sessionId).toMatch(/^alice-[0-9a-f]{8}$/);
    expect(r.json.session.serverId).toBe(serverId);
    expect(dcvArgvLog(agent)).toContainEqual(['create-session', '--type', 'virtual', '--owner', 'alice', sessionId]);
    const again = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect([again.json.reconnected, again.json.session.id]).toEqual([true, sessionId]);
  });

  test('ok: the next agent update shows the session with DCV fields', async () => {
    // A viewer connects on the host (simulated): only an agent update can tell the director.
    await run([join(repoRoot, 'tests/fixtures/dcv-simulator.ts'), 'sim-set', sessionId, 'connections=1'], { env: agent.env });
    const seen = await eventually(async () => {
      const s = await api('/v1/sessions', { cookie: admin });
      const mine = s.json.sessions.find((x: { id: string }) => x.id === sessionId);
      return mine?.numOfConnections === 1 ? mine : undefined;
    }, 10_000, 'session in update');
    expect(seen).toMatchObject({ owner: 'alice', type: 'virtual', serverId, status: 'RUNNING' });
    expect(seen.creationTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    const servers = await api('/v1/user/servers', { cookie: alice });
    expect(servers.json.pools[0].sessions.map((s: { id: string }) => s.id)).toEqual([sessionId]);
  });

  test('ok: the connection token opens this session and no other (DCV verifier XML)', async () => {
    const t = await api(`/v1/user/connectiontoken?sessionId=${sessionId}&serverId=${serverId}`, { cookie: alice });
    expect(t.status).toBe(200);
    token = t.json.token;
    const verify = (sid: string, tok: string) =>
      run(['curl', '-s', '--cacert', director.caFile, '-H', 'Content-Type: application/x-www-form-urlencoded', '--data-urlencode', `sessionId=${sid}`, '--data-urlencode', `authenticationToken=${tok}`, '--data-urlencode', 'clientAddress=192.0.2.10', `${director.url}/v1/user/authtokenverify`]);
    expect((await verify(sessionId, token)).stdout).toBe('<auth result="yes"><username>alice</username></auth>');
    expect((await verify('someone-else', token)).stdout).toStartWith('<auth result="no"');
    const tampered = token.slice(0, -3) + (token.endsWith('A') ? 'BBB' : 'AAA');
    expect((await verify(sessionId, tampered)).stdout).toStartWith('<auth result="no"');
    const res = await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId, authenticationToken: 'garbage', clientAddress: '1.2.3.4' }) });
    expect(res.headers.get('content-type')).toContain('text/xml');
  });

  test('ok: the .dcv file and the JSON connection form follow docs/dcv-wire.md', async () => {
    const r = await api(`/v1/user/sessions/${sessionId}/connection.dcv`, { cookie: alice });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="${serverId}-${sessionId}.dcv"`);
    expect(r.text.startsWith('[version]\nformat=1.0\n')).toBe(true);
    const ini = parseIni(r.text);
    expect(Object.keys(ini)).toEqual(['version', 'connect', 'options']);
    expect(ini.connect).toMatchObject({ host: serverId, port: '8443', sessionid: sessionId, user: 'alice' });
    expect(ini.connect!.password).toBeUndefined();
    expect(ini.connect!.authtoken).toStartWith('v4.local.');
    const j = await api(`/v1/user/sessions/${sessionId}/connection`, { cookie: alice });
    expect(j.json.webUrl).toBe(`https://${serverId}:8443/?authToken=${encodeURIComponent(j.json.authToken)}#${sessionId}`);
    expect(j.json.dcvUri).toStartWith(`dcv://${serverId}:8443/?authToken=`);
  });

  test('ok: the gateway resolver answers PascalCase with an integer Port', async () => {
    const q = await api(`/resolveSession?sessionId=${sessionId}&transport=HTTP&clientIpAddress=192.0.2.1`, { method: 'POST' });
    expect(q.status).toBe(200);
    expect(q.json).toEqual({ SessionId: sessionId, TransportProtocol: 'HTTP', DcvServerEndpoint: serverId, Port: 8443, WebUrlPath: '/' });
    const seed = await run(['curl', '-s', '--noproxy', '*', '--cacert', director.caFile, '-X', 'POST', '-H', 'Content-Type: application/json', '-d', `{"sessionId": "${sessionId}", "transport": "QUIC", "clientIpAddress": "127.0.0.1"}`, `${director.url}/resolveSession`]);
    expect(JSON.parse(seed.stdout).TransportProtocol).toBe('QUIC');
    expect((await api('/resolveSession?sessionId=nope&transport=HTTP', { method: 'POST' })).status).toBe(404);
    expect((await api(`/resolveSession?sessionId=${sessionId}&transport=FTP`, { method: 'POST' })).status).toBe(400);
    expect((await api('/resolveSession?transport=HTTP', { method: 'POST' })).status).toBe(400);
  });

  test('rejects: hostile and mistaken input to every new route, nothing changed', async () => {
    const before = (await api('/v1/sessions', { cookie: admin })).json.sessions.length;
    const argvBefore = dcvArgvLog(agent).length;
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/user/sessions', { serverId: 'no-such-host', sessionType: 'virtual' }, 403, 'NOT_PERMITTED'],
      ['POST', '/v1/user/sessions', { poolId: 'nope', sessionType: 'virtual' }, 404, 'POOL_NOT_FOUND'],
      ['POST', '/v1/user/sessions', { poolId: 'workstations', sessionType: 'root' }, 400, 'INVALID_SESSION_TYPE'],
      ['POST', '/v1/user/sessions', { sessionType: 'virtual' }, 400, 'INVALID_BODY'],
      ['POST', '/v1/user/sessions', '{"poolId":', 400, 'INVALID_JSON'],
      ['DELETE', '/v1/user/sessions/a;rm -rf', undefined, 400, 'INVALID_SESSION_ID'],
      ['DELETE', '/v1/user/sessions/..%2F..%2Fetc', undefined, 400, 'INVALID_SESSION_ID'],
      ['GET', '/v1/user/sessions/someone-else/connection.dcv', undefined, 404, 'SESSION_NOT_FOUND'],
      ['GET', '/v1/user/connectiontoken?sessionId=--help', undefined, 404, 'SESSION_NOT_FOUND'],
      ['POST', `/v1/user/servers/${serverId}/config`, { config: [{ section: 'display', key: 'quality', value: '(30,80)' }] }, 403, 'NOT_PERMITTED'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await api(path, { method, cookie: alice, ...(typeof body === 'string' ? { body } : body ? { json: body } : {}) });
      expect([path, r.status, r.json?.error?.code]).toEqual([path, status, code]);
    }
    const adminCases: [unknown, number, string][] = [
      [{ serverId, userId: '-rf', sessionType: 'virtual' }, 400, 'INVALID_USER'],
      [{ serverId, userId: 'alice', sessionType: 'virtual', sessionId: '$(reboot)' }, 400, 'INVALID_SESSION_ID'],
      [{ serverId: 'ghost', userId: 'alice', sessionType: 'virtual' }, 404, 'SERVER_NOT_FOUND'],
      [{ serverId, userId: 'alice\nroot', sessionType: 'virtual' }, 400, 'INVALID_USER'],
    ];
    for (const [body, status, code] of adminCases) {
      const r = await api('/v1/sessions', { method: 'POST', cookie: admin, json: body });
      expect([r.status, r.json?.error?.code]).toEqual([status, code]);
    }
    const huge = await api('/v1/user/sessions', { method: 'POST', cookie: alice, body: JSON.stringify({ poolId: 'x'.repeat(100_000) }) });
    expect(huge.status).toBe(413);
    expect((await api('/v1/sessions', { cookie: admin })).json.sessions.length).toBe(before);
    expect(dcvArgvLog(agent).length).toBe(argvBefore);
  });

  test('ok: SIGHUP applies a changed policy without restart; a corrupt file keeps the last good one', async () => {
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    const users = structuredClone(DEFAULT_POLICY.users) as any;
    users.users.bob = { servers: [serverId], pools: ['workstations'] };
    director.writePolicy({ users });
    director.proc.proc.kill('SIGHUP');
    const seen = await eventually(async () => {
      const r = await api('/v1/user/servers', { cookie: bob });
      return r.json.pools.length === 1 ? r.json : undefined;
    }, 5000, 'bob sees the pool');
    expect(seen.servers.map((s: { id: string }) => s.id)).toEqual([serverId]);
    writeFileSync(join(director.dir, 'users.json'), '{ "users": { broken');
    director.proc.proc.kill('SIGHUP');
    await director.proc.waitForMsg('policy reload failed; keeping the last good policy', 5000);
    expect((await api('/v1/user/servers', { cookie: bob })).json.pools).toHaveLength(1);
    const status = await api('/v1/admin/policy', { cookie: admin });
    expect(status.json.status.lastError).toContain('users.json');
  });

  test('ok: a user entitled to a server sets DCV config through its agent (typed literal)', async () => {
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    const r = await api(`/v1/user/servers/${serverId}/config`, { method: 'POST', cookie: bob, json: { config: [{ section: 'display', key: 'quality', value: '(30,80)' }] } });
    expect([r.status, r.json.applied]).toEqual([200, 1]);
    expect(dcvArgvLog(agent)).toContainEqual(['set-config', '--section', 'display', '--key', 'quality', '(30,80)']);
    const bad = await api(`/v1/user/servers/${serverId}/config`, { method: 'POST', cookie: bob, json: { config: [{ section: 'display', key: 'quality', value: '-x\nrm' }] } });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'INVALID_CONFIG']);
  });

  test('ok: /metrics speaks Prometheus text with requests, agents, sessions, logins and expiry', async () => {
    const r = await api('/metrics');
    expect(r.headers.get('content-type')).toStartWith('text/plain');
    expect(r.text).toContain('dcvix_agents{state="registered"} 1');
    expect(r.text).toMatch(/dcvix_sessions\{pool="workstations",type="virtual",state="(un)?confirmed"\} 1/);
    expect(r.text).toMatch(/dcvix_logins_total\{outcome="success",backend="external"\} \d+/);
    expect(r.text).toMatch(/dcvix_http_requests_total\{route="\/v1\/user\/sessions",method="POST",status="200"\} \d+/);
    expect(r.text).toMatch(/dcvix_certificate_not_after_seconds\{certificate="agent_soonest"\} \d+/);
    const doc = await api('/v1/openapi.json');
    expect(doc.json.paths['/resolveSession'].post.summary).toContain('Gateway');
  });

  test('ok: deleting the session closes it through the agent', async () => {
    const r = await api(`/v1/user/sessions/${sessionId}`, { method: 'DELETE', cookie: alice });
    expect(r.status).toBe(200);
    expect(dcvArgvLog(agent)).toContainEqual(['close-session', sessionId]);
    const verify = await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId, authenticationToken: token, clientAddress: '1.2.3.4' }) });
    expect(verify.text).toStartWith('<auth result="no"');
  });

  test('rejects: an unreachable agent gives a 502-class error and no phantom session', async () => {
    await agent.stop();
    const r = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId, userId: 'alice', sessionType: 'virtual', sessionId: 'phantom-1' } });
    expect([r.status, r.json.error.code]).toEqual([502, 'AGENT_UNREACHABLE']);
    const all = await api('/v1/sessions', { cookie: admin });
    expect(all.json.sessions.find((s: { id: string }) => s.id === 'phantom-1')).toBeUndefined();
  });
});

function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let group = '';
  for (const line of text.split('\n')) {
    const g = /^\[(.+)\]$/.exec(line);
    if (g) out[(group = g[1]!)] = {};
    else if (line.includes('=')) out[group]![line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}
