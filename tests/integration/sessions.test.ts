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
 * resolver -> .dcv file -> close through the agent. Plus policy imports while it runs and hostile input.
 */
let director: DirectorHandle;
let agent: AgentHandle;
let admin: string;
let alice: string;
let serverId: string;
let sessionId: string;
let token: string;

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const setConfig = (cookie: string, config: { section: string; key: string; value: unknown }[]) => api(`/v1/user/servers/${serverId}/config`, { method: 'POST', cookie, json: { config } });
/** The set-config command lines the agent's dcv ran, oldest first. */
const setConfigs = () => dcvArgvLog(agent).filter((argv) => argv[0] === 'set-config');
/** The server.config audit events, newest first. */
const configAudits = async () => (await api('/v1/admin/audit?type=server.config&limit=1000', { cookie: admin })).json.events as { actor: string; outcome: string; detail: string }[];
/** The newest server.config audit event once there are more than `before` (the audit is written behind the answer). */
const nextConfigAudit = (before: number) =>
  eventually(
    async () => {
      const events = await configAudits();
      return events.length > before && events[0];
    },
    5000,
    'a new server.config audit event',
  );
/** Stores the policy with `dcvix-director policy import` and waits until the director has it in force; a refused import answers its output. */
const reloadPolicy = async (policy: { users: unknown; pools: unknown }) => {
  const since = director.proc.lines.length;
  const imported = await director.importPolicy(policy);
  if (imported.code === 0) await director.proc.waitForMsg('policy loaded', 5000, since);
  return imported;
};

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
    const aliceServers = await api('/v1/user/servers', { cookie: alice });
    expect(aliceServers.status).toBe(200);
    expect(aliceServers.json.pools.map((p: { id: string }) => p.id)).toEqual(['workstations']);
    expect(aliceServers.json.pools[0].online).toBe(1);
    expect(aliceServers.json.servers).toEqual([]);
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    const bobServers = await api('/v1/user/servers', { cookie: bob });
    expect(bobServers.json).toEqual({ servers: [], pools: [] });
    expect((await api('/v1/user/servers')).status).toBe(401);
  });

  test('ok: a session on a pool runs the exact documented dcv command line', async () => {
    const response = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect(response.status).toBe(200);
    expect(response.json.reconnected).toBe(false);
    sessionId = response.json.session.id;
    expect(sessionId).toMatch(/^alice-[0-9a-f]{8}$/);
    expect(response.json.session.serverId).toBe(serverId);
    expect(dcvArgvLog(agent)).toContainEqual(['create-session', '--type', 'virtual', '--owner', 'alice', sessionId]);
    const again = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect([again.json.reconnected, again.json.session.id]).toEqual([true, sessionId]);
  });

  test('ok: the next agent update shows the session with DCV fields', async () => {
    // A viewer connects on the host (simulated): only an agent update can tell the director.
    await run([join(repoRoot, 'tests/fixtures/dcv-simulator.ts'), 'sim-set', sessionId, 'connections=1'], { env: agent.env });
    const seen = await eventually(
      async () => {
        const response = await api('/v1/sessions', { cookie: admin });
        const mine = response.json.sessions.find((x: { id: string }) => x.id === sessionId);
        return mine?.numOfConnections === 1 ? mine : undefined;
      },
      10_000,
      'session in update',
    );
    expect(seen).toMatchObject({ owner: 'alice', type: 'virtual', serverId, status: 'RUNNING' });
    expect(seen.creationTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    const servers = await api('/v1/user/servers', { cookie: alice });
    expect(servers.json.pools[0].sessions.map((s: { id: string }) => s.id)).toEqual([sessionId]);
  });

  test('ok: the connection token opens this session and no other (DCV verifier XML)', async () => {
    const response = await api(`/v1/user/connectiontoken?sessionId=${sessionId}&serverId=${serverId}`, { cookie: alice });
    expect(response.status).toBe(200);
    token = response.json.token;
    const verify = (sid: string, tok: string) =>
      run([
        'curl',
        '-s',
        '--cacert',
        director.caFile,
        '-H',
        'Content-Type: application/x-www-form-urlencoded',
        '--data-urlencode',
        `sessionId=${sid}`,
        '--data-urlencode',
        `authenticationToken=${tok}`,
        '--data-urlencode',
        'clientAddress=192.0.2.10',
        `${director.url}/v1/user/authtokenverify`,
      ]);
    expect((await verify(sessionId, token)).stdout).toBe('<auth result="yes"><username>alice</username></auth>');
    expect((await verify('someone-else', token)).stdout).toStartWith('<auth result="no"');
    const tampered = token.slice(0, -3) + (token.endsWith('A') ? 'BBB' : 'AAA');
    expect((await verify(sessionId, tampered)).stdout).toStartWith('<auth result="no"');
    const res = await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId, authenticationToken: 'garbage', clientAddress: '1.2.3.4' }) });
    expect(res.headers.get('content-type')).toContain('text/xml');
  });

  test('ok: the .dcv file and the JSON connection form follow docs/dcv-wire.md', async () => {
    const response = await api(`/v1/user/sessions/${sessionId}/connection.dcv`, { cookie: alice });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${serverId}-${sessionId}.dcv"`);
    expect(response.text.startsWith('[version]\nformat=1.0\n')).toBe(true);
    const ini = parseIni(response.text);
    expect(Object.keys(ini)).toEqual(['version', 'connect', 'options']);
    expect(ini.connect).toMatchObject({ host: serverId, port: '8443', sessionid: sessionId, user: 'alice' });
    expect(ini.connect!.password).toBeUndefined();
    expect(ini.connect!.authtoken).toStartWith('v4.local.');
    const connectionAnswer = await api(`/v1/user/sessions/${sessionId}/connection`, { cookie: alice });
    expect(connectionAnswer.json.webUrl).toBe(`https://${serverId}:8443/?authToken=${encodeURIComponent(connectionAnswer.json.authToken)}#${sessionId}`);
    expect(connectionAnswer.json.dcvUri).toStartWith(`dcv://${serverId}:8443/?authToken=`);
  });

  test('ok: the gateway resolver answers PascalCase with an integer Port', async () => {
    const response = await api(`/resolveSession?sessionId=${sessionId}&transport=HTTP&clientIpAddress=192.0.2.1`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ SessionId: sessionId, TransportProtocol: 'HTTP', DcvServerEndpoint: serverId, Port: 8443, WebUrlPath: '/' });
    const seed = await run([
      'curl',
      '-s',
      '--noproxy',
      '*',
      '--cacert',
      director.caFile,
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '-d',
      `{"sessionId": "${sessionId}", "transport": "QUIC", "clientIpAddress": "127.0.0.1"}`,
      `${director.url}/resolveSession`,
    ]);
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
      ['POST', '/v1/user/servers/no-such-host/config', { config: [{ section: 'display', key: 'quality', value: '(30,80)' }] }, 403, 'NOT_PERMITTED'],
      ['POST', `/v1/user/servers/${serverId}/config`, { config: [{ section: 'security', key: 'auth-token-verifier', value: "'https://127.0.0.1:1/'" }] }, 403, 'CONFIG_KEY_NOT_ALLOWED'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const response = await api(path, { method, cookie: alice, ...(typeof body === 'string' ? { body } : body ? { json: body } : {}) });
      expect([path, response.status, response.json?.error?.code]).toEqual([path, status, code]);
    }
    const adminCases: [unknown, number, string][] = [
      [{ serverId, userId: '-rf', sessionType: 'virtual' }, 400, 'INVALID_USER'],
      [{ serverId, userId: 'alice', sessionType: 'virtual', sessionId: '$(reboot)' }, 400, 'INVALID_SESSION_ID'],
      [{ serverId: 'ghost', userId: 'alice', sessionType: 'virtual' }, 404, 'SERVER_NOT_FOUND'],
      [{ serverId, userId: 'alice\nroot', sessionType: 'virtual' }, 400, 'INVALID_USER'],
    ];
    for (const [body, status, code] of adminCases) {
      const response = await api('/v1/sessions', { method: 'POST', cookie: admin, json: body });
      expect([response.status, response.json?.error?.code]).toEqual([status, code]);
    }
    const huge = await api('/v1/user/sessions', { method: 'POST', cookie: alice, body: JSON.stringify({ poolId: 'x'.repeat(100_000) }) });
    expect(huge.status).toBe(413);
    expect((await api('/v1/sessions', { cookie: admin })).json.sessions.length).toBe(before);
    expect(dcvArgvLog(agent).length).toBe(argvBefore);
  });

  test('ok: an imported policy applies without restart; a corrupt file is refused and the policy in force stays', async () => {
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    const users = structuredClone(DEFAULT_POLICY.users) as any;
    users.users.bob = { servers: [serverId], pools: ['workstations'] };
    expect((await director.importPolicy({ users })).code).toBe(0);
    const seen = await eventually(
      async () => {
        const response = await api('/v1/user/servers', { cookie: bob });
        return response.json.pools.length === 1 ? response.json : undefined;
      },
      5000,
      'bob sees the pool',
    );
    expect(seen.servers.map((s: { id: string }) => s.id)).toEqual([serverId]);
    writeFileSync(join(director.dir, 'users.json'), '{ "users": { broken');
    const refused = await director.command('policy', 'import', join(director.dir, 'users.json'));
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('users.json: not valid JSON')]);
    director.proc.proc.kill('SIGHUP');
    await director.proc.waitForMsg('policy reload failed; keeping the last good policy', 5000);
    expect((await api('/v1/user/servers', { cookie: bob })).json.pools).toHaveLength(1);
  });

  test('ok: a user entitled to a server sets DCV config through its agent (typed literal)', async () => {
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    const response = await api(`/v1/user/servers/${serverId}/config`, { method: 'POST', cookie: bob, json: { config: [{ section: 'display', key: 'quality', value: '(30,80)' }] } });
    expect([response.status, response.json.applied]).toEqual([200, 1]);
    expect(dcvArgvLog(agent)).toContainEqual(['set-config', '--section', 'display', '--key', 'quality', '(30,80)']);
    const bad = await api(`/v1/user/servers/${serverId}/config`, { method: 'POST', cookie: bob, json: { config: [{ section: 'display', key: 'quality', value: '-x\nrm' }] } });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'INVALID_CONFIG']);
  });

  test('rejects: a user setting a key outside their allow-list (the verifier above all): 403, all or nothing, no set-config reaches dcv', async () => {
    const bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
    const setConfigsBefore = setConfigs().length;
    const auditsBefore = (await configAudits()).length;
    const hijack = await setConfig(bob, [
      { section: 'display', key: 'quality', value: '(30,80)' },
      { section: 'security', key: 'auth-token-verifier', value: "'https://attacker.example/verify'" },
    ]);
    expect([hijack.status, hijack.json.error.code, hijack.json.error.section, hijack.json.error.key]).toEqual([403, 'CONFIG_KEY_NOT_ALLOWED', 'security', 'auth-token-verifier']);
    expect(hijack.json.error.message).toContain('never user-settable');
    const unlisted = await setConfig(bob, [{ section: 'display', key: 'enable-yuv444-encoding', value: 'true' }]);
    expect([unlisted.status, unlisted.json.error.code, unlisted.json.error.key]).toEqual([403, 'CONFIG_KEY_NOT_ALLOWED', 'enable-yuv444-encoding']);
    expect(setConfigs().length).toBe(setConfigsBefore);
    expect(setConfigs().filter((argv) => argv.includes('security'))).toEqual([]);
    const refusal = await nextConfigAudit(auditsBefore + 1);
    expect([refusal.actor, refusal.outcome, refusal.detail]).toEqual(['bob', 'failure', `refused display.enable-yuv444-encoding: ${serverId}: display.enable-yuv444-encoding`]);
  });

  test("ok: a pool's userConfig is what its users may set there; a never-settable key in it is refused naming file and key", async () => {
    const users = structuredClone(DEFAULT_POLICY.users) as any;
    users.users.bob = { servers: [serverId], pools: ['workstations'] };
    const pools = structuredClone(DEFAULT_POLICY.pools) as any;
    pools.pools.workstations.userConfig = ['display.quality', 'security.auth-token-verifier'];
    const refused = await reloadPolicy({ users, pools });
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('pools.json: pools.workstations.userConfig[1]: "security.auth-token-verifier": section security')]);
    pools.pools.workstations.userConfig = ['clipboard.max-text-len'];
    expect((await reloadPolicy({ users, pools })).code).toBe(0);
    // alice may use the server only through the pool: its list, and no longer the default.
    const allowed = await setConfig(alice, [{ section: 'clipboard', key: 'max-text-len', value: 20000 }]);
    expect([allowed.status, allowed.json.applied]).toEqual([200, 1]);
    expect(setConfigs().at(-1)).toEqual(['set-config', '--section', 'clipboard', '--key', 'max-text-len', '20000']);
    const quality = await setConfig(alice, [{ section: 'display', key: 'quality', value: '(30,80)' }]);
    expect([quality.status, quality.json.error.code]).toEqual([403, 'CONFIG_KEY_NOT_ALLOWED']);
  });

  test('ok: an admin may set a key no user may (the verifier), audited as an admin override without the value', async () => {
    const verifier = "'https://127.0.0.1:8445/v1/user/authtokenverify'";
    const auditsBefore = (await configAudits()).length;
    const response = await setConfig(admin, [{ section: 'security', key: 'auth-token-verifier', value: verifier }]);
    expect([response.status, response.json.applied]).toEqual([200, 1]);
    expect(setConfigs().at(-1)).toEqual(['set-config', '--section', 'security', '--key', 'auth-token-verifier', verifier]);
    const event = await nextConfigAudit(auditsBefore);
    expect([event.actor, event.outcome, event.detail]).toEqual(['admin', 'success', `admin override: ${serverId}: security.auth-token-verifier`]);
    expect(JSON.stringify(event)).not.toContain('authtokenverify');
  });

  test('ok: /metrics speaks Prometheus text with requests, agents, sessions, logins and expiry', async () => {
    const response = await api('/metrics');
    expect(response.headers.get('content-type')).toStartWith('text/plain');
    expect(response.text).toContain('dcvix_agents{state="registered"} 1');
    expect(response.text).toMatch(/dcvix_sessions\{pool="workstations",type="virtual",state="(un)?confirmed"\} 1/);
    expect(response.text).toMatch(/dcvix_logins_total\{outcome="success",backend="external"\} \d+/);
    expect(response.text).toMatch(/dcvix_http_requests_total\{route="\/v1\/user\/sessions",method="POST",status="200"\} \d+/);
    expect(response.text).toMatch(/dcvix_certificate_not_after_seconds\{certificate="agent_soonest"\} \d+/);
    const doc = await api('/v1/openapi.json');
    expect(doc.json.paths['/resolveSession'].post.summary).toContain('Gateway');
  });

  test('ok: deleting the session closes it through the agent', async () => {
    const response = await api(`/v1/user/sessions/${sessionId}`, { method: 'DELETE', cookie: alice });
    expect(response.status).toBe(200);
    expect(dcvArgvLog(agent)).toContainEqual(['close-session', sessionId]);
    const verify = await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId, authenticationToken: token, clientAddress: '1.2.3.4' }) });
    expect(verify.text).toStartWith('<auth result="no"');
  });

  test('rejects: an unreachable agent gives a 502-class error and no phantom session', async () => {
    await agent.stop();
    const response = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId, userId: 'alice', sessionType: 'virtual', sessionId: 'phantom-1' } });
    expect([response.status, response.json.error.code]).toEqual([502, 'AGENT_UNREACHABLE']);
    const all = await api('/v1/sessions', { cookie: admin });
    expect(all.json.sessions.find((s: { id: string }) => s.id === 'phantom-1')).toBeUndefined();
  });
});

function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let group = '';
  for (const line of text.split('\n')) {
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      group = section[1]!;
      out[group] = {};
    } else if (line.includes('=')) out[group]![line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}
