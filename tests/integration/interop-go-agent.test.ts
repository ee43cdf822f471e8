import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expireCertificateRecord } from '../helpers/agent-record.ts';
import { buildGoAgent, goAgentBuildMissing } from '../helpers/build-go-agent.ts';
import { dcvArgvLog, startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { GoStyleAgent } from '../helpers/go-agent.ts';
import { startGoAgentProcess, type GoAgentProcess } from '../helpers/go-agent-process.ts';
import { freePort } from '../helpers/go-https.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { goSession, GO_ZERO_TIME } from '../fixtures/go-dcvix/wire.ts';

/**
 * Mixed fleet, pairing 1: the public Go dcvix agent enrolled with our real director process. First an
 * agent that behaves exactly as the Go agent does (strict stand-in, tests/helpers/go-agent.ts), for
 * what the real program cannot be made to show: Go's strict JSON decoding of every answer, updates in
 * Go's form (kebab-case sessions, zero times, a Windows owner, no agentPort), a dcv failure in Go's
 * text form. Then the real Go agent, built from its source (tests/fixtures/go-dcvix-agent): register
 * -> pending -> approve -> certificate -> updates -> a session created and closed, and a restart that
 * needs no approval.
 */
afterAll(() => cleanupTempDirs());

describe('a Go dcvix agent under our director', () => {
  let director: DirectorHandle;
  let agent: GoStyleAgent;
  let admin: string;
  let alice: string;
  let agentPort: number;
  let started: Promise<void>;

  const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
  const adminSession = async (id: string) => (await api('/v1/sessions', { cookie: admin })).json.sessions.find((s: { id: string }) => s.id === id);

  beforeAll(async () => {
    agentPort = await freePort();
    director = await startDirector({ config: { agent_port: agentPort } });
    agent = new GoStyleAgent({ directorUrl: director.url, directorAddress: '127.0.0.1', listenPort: agentPort, hostname: 'go-ws1', tags: ['gpu', 'bad tag!'] });
    agent.sessions.push(goSession('win-console', 'CORP\\dana', 'console', { connections: 1, lastDisconnection: GO_ZERO_TIME }), {
      ...goSession('broken-1', 'alice', 'virtual'),
      'creation-time': 'yesterday',
    });
    started = agent.start();
    admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await director?.stop();
  });

  test('ok: it waits pending on our 403, is approved, and stores the CA from `ca`', async () => {
    await eventually(() => agent.events.some((e) => e.startsWith('pending approval')), 15_000, 'pending');
    const pending = await api('/v1/admin/agents?state=pending', { cookie: admin });
    expect(pending.json.agents.map((a: { guid: string }) => a.guid)).toContain(agent.guid);
    expect((await api(`/v1/admin/agents/${agent.guid}/approve`, { method: 'POST', cookie: admin })).status).toBe(200);
    await started;
    expect(agent.events).toContain('registered');
    expect(agent.events).not.toContain('fatal: CA certificate not available');
    const answer = JSON.parse(agent.rawAnswers.register!);
    expect(answer).toMatchObject({ agentId: agent.guid, renewalIntervalSeconds: 43200 });
    expect(answer.ca).toStartWith('-----BEGIN CERTIFICATE-----');
    expect(answer.caCertificate).toBe(answer.ca);
  });

  test('ok: its updates land: no agentPort means the configured agent_port at its address; a Windows owner and a zero time are read', async () => {
    const server = await eventually(async () => (await api('/v1/servers', { cookie: admin })).json.servers.find((s: { id: string }) => s.id === 'go-ws1'), 15_000, 'server');
    expect(server.agentPort).toBe(agentPort);
    expect(server.tags).toEqual(['gpu', 'linux']);
    expect(agent.updateStatuses.every((s) => s === 200)).toBe(true);
    const win = await adminSession('win-console');
    expect(win).toMatchObject({ owner: 'CORP\\dana', type: 'console', numOfConnections: 1, lastDisconnectionTime: null, creationTime: '2026-03-01T08:15:30.123Z' });
  });

  test('rejects: the malformed session and the odd tag are skipped, logged and counted; the rest is kept', async () => {
    expect(await adminSession('broken-1')).toBeUndefined();
    await director.proc.waitForMsg('agent update items skipped', 5_000);
    const metrics = (await api('/metrics')).text;
    expect(metrics).toMatch(/dcvix_agent_update_items_skipped_total\{kind="session"\} [1-9]/);
    expect(metrics).toMatch(/dcvix_agent_update_items_skipped_total\{kind="tag"\} [1-9]/);
  });

  test('ok: the whole user flow: servers, create (201 {sessionID}), connection token and verifier, close (empty 200)', async () => {
    const servers = await api('/v1/user/servers', { cookie: alice });
    expect(servers.json.pools[0]).toMatchObject({ id: 'workstations', online: 1 });
    const created = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect(created.status).toBe(200);
    const id = created.json.session.id;
    expect(created.json.session.serverId).toBe('go-ws1');
    expect(agent.sessions.some((s) => s.id === id && s.owner === 'alice')).toBe(true);
    const response = await api(`/v1/user/connectiontoken?sessionId=${id}&serverId=go-ws1`, { cookie: alice });
    expect(response.status).toBe(200);
    const verify = await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId: id, authenticationToken: response.json.token, clientAddress: '192.0.2.10' }) });
    expect(verify.text).toBe('<auth result="yes"><username>alice</username></auth>');
    const closed = await api(`/v1/user/sessions/${id}`, { method: 'DELETE', cookie: alice });
    expect(closed.status).toBe(200);
    expect(agent.sessions.some((s) => s.id === id)).toBe(false);
  });

  test('ok: when the Go agent answers with an existing session id, the director records that id', async () => {
    agent.sessions.push(goSession('bob-existing', 'bob', 'virtual'));
    const response = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId: 'go-ws1', userId: 'bob', sessionType: 'virtual', sessionId: 'asked-for-1', override: true } });
    expect(response.status).toBe(200);
    expect(response.json.session.id).toBe('bob-existing');
    expect(await adminSession('bob-existing')).toMatchObject({ owner: 'bob', serverId: 'go-ws1' });
    expect(await adminSession('asked-for-1')).toBeUndefined();
  });

  test('ok: closing a session the host already lost (Go: 500 text from dcv) is recognised as gone', async () => {
    agent.sessions.push(goSession('gone-1', 'carol', 'virtual'));
    await eventually(() => adminSession('gone-1'), 10_000, 'gone-1 reported');
    agent.pauseUpdates = true;
    await Bun.sleep(100); // let an update already on the wire land
    agent.sessions.splice(
      agent.sessions.findIndex((s) => s.id === 'gone-1'),
      1,
    );
    expect(await adminSession('gone-1')).toBeDefined();
    const response = await api('/v1/sessions/gone-1', { method: 'DELETE', cookie: admin });
    agent.pauseUpdates = false;
    expect(response.status).toBe(200);
    expect(await adminSession('gone-1')).toBeUndefined();
  });

  test('rejects: a dcv failure in Go text form reaches the user as dcv said it, not as a bad response', async () => {
    agent.failNextCreate = 'All licenses in use';
    const response = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId: 'go-ws1', userId: 'carol', sessionType: 'virtual', override: true } });
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(response.json.error.code).not.toBe('AGENT_BAD_RESPONSE');
    expect(response.json.error.message).toContain('All licenses in use');
  });

  test('ok: renew over mTLS answers what the Go agent decodes', async () => {
    const response = await agent.renew();
    expect(response.status).toBe(200);
    expect(response.certificate).toStartWith('-----BEGIN CERTIFICATE-----');
    expect(JSON.parse(agent.rawAnswers.renew!).renewalIntervalSeconds).toBe(43200);
    expect(await agent.sendUpdate()).toBe(200);
  });
});

const goBuildMissing = goAgentBuildMissing();
if (goBuildMissing.length && process.env.CI) throw new Error(`the real Go agent tests need ${goBuildMissing.join(', ')} (run .ci/install-system-packages.sh)`);

describe.skipIf(goBuildMissing.length > 0)('the real Go dcvix agent (built from its source) under our director', () => {
  let binary: string;
  let director: DirectorHandle;
  let agentPort: number;
  let agent: GoAgentProcess;
  let admin: string;
  let alice: string;
  let guid: string;
  // The Go agent names itself after the operating system's host name; it has no setting for it.
  const serverId = hostname();

  const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
  const start = (dir?: string) => startGoAgentProcess(binary, { directorPort: director.port, agentPort, tags: ['gpu'], dir });
  const record = async () => (await api('/v1/admin/agents', { cookie: admin })).json.agents.find((a: { guid: string }) => a.guid === guid);
  const server = async () => (await api('/v1/servers', { cookie: admin })).json.servers.find((s: { id: string }) => s.id === serverId);

  beforeAll(async () => {
    binary = await buildGoAgent();
    agentPort = await freePort();
    director = await startDirector({ config: { agent_port: agentPort } });
    admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await director?.stop();
  });

  test('ok: it registers, waits on our 403 as pending; once approved it collects its certificate and our CA', async () => {
    agent = start();
    guid = (await agent.waitForLog(/Pending approval \(GUID: ([0-9a-f-]{36})\)/))[1]!;
    expect(agent.guid()).toBe(guid);
    const pending = (await api('/v1/admin/agents?state=pending', { cookie: admin })).json.agents;
    expect(pending).toEqual([expect.objectContaining({ guid, hostname: serverId, returning: false })]);
    expect((await api(`/v1/admin/agents/${guid}/approve`, { method: 'POST', cookie: admin })).status).toBe(200);
    // It asks again only every 30 s (fixed in its code); an operator restarting it after the approval
    // gets the certificate at once, and a test need not wait.
    await agent.stop();
    agent = start(agent.dir);
    await agent.waitForLog(new RegExp(`Agent ${guid} registered successfully`));
    await agent.waitForLog(/Listening on port/);
    expect(readFileSync(join(agent.dataDir, 'ca.pem'), 'utf8')).toBe(director.caPem);
    expect(await record()).toMatchObject({ state: 'registered', certSerial: expect.any(String) });
  }, 30_000);

  test('ok: its updates land: the server is online with its stats and its tags plus its OS', async () => {
    const online = await eventually(async () => ((await server())?.online ? await server() : undefined), 10_000, 'Go agent server online');
    expect(online).toMatchObject({ guid, agentPort, address: '127.0.0.1', version: null });
    expect(online.tags).toEqual(['gpu', 'linux']);
    expect(online.stats.hostname).toBe(serverId);
    expect(online.stats.total_memory).toBeGreaterThan(0);
    expect(online.stats.cores).toBeGreaterThan(0);
    expect(agent.proc.lines.filter((l) => /update failed/i.test(l))).toEqual([]);
  });

  test('ok: a session created and closed through the director runs exactly dcv create-session and close-session on the host', async () => {
    const created = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect(created.status).toBe(200);
    const id = created.json.session.id as string;
    expect(created.json.session.serverId).toBe(serverId);
    expect(dcvArgvLog(agent).filter((argv) => argv[0] === 'create-session')).toEqual([['create-session', '--owner', 'alice', '--type', 'virtual', id]]);
    // The next update carries it back from dcv list-sessions.
    await eventually(async () => (await server())?.sessions.some((s: { id: string; owner: string }) => s.id === id && s.owner === 'alice'), 10_000, 'session in an update');
    const closed = await api(`/v1/user/sessions/${id}`, { method: 'DELETE', cookie: alice });
    expect(closed.status).toBe(200);
    expect(dcvArgvLog(agent).filter((argv) => argv[0] === 'close-session')).toEqual([['close-session', id]]);
    await eventually(async () => !(await server())?.sessions.some((s: { id: string }) => s.id === id), 10_000, 'session gone');
  });

  test('ok: a restart needs no approval: it registers again, gets a fresh certificate at once, and is back online; the audit shows the re-issue', async () => {
    const before = await record();
    await agent.stop();
    const restartedAt = Date.now();
    agent = start(agent.dir);
    await agent.waitForLog(new RegExp(`Agent ${guid} registered successfully`));
    await agent.waitForLog(/Listening on port/);
    expect(agent.proc.lines.filter((l) => l.includes('Pending approval'))).toEqual([]);
    const after = await record();
    expect(after).toMatchObject({ state: 'registered', returning: false, keyChangePending: false });
    expect(after.certSerial).not.toBe(before.certSerial);
    expect(Date.parse(after.certNotAfter)).toBeGreaterThan(Date.parse(before.certNotAfter));
    expect((await api('/v1/admin/agents?state=pending', { cookie: admin })).json.agents).toEqual([]);
    const reissues = (await api('/v1/admin/audit?type=agent.reissue', { cookie: admin })).json.events;
    expect(reissues).toEqual([expect.objectContaining({ target: guid, clientAddress: '127.0.0.1', outcome: 'success' })]);
    await eventually(
      async () => {
        const back = await server();
        return back?.online && Date.parse(back.lastSeen) > restartedAt;
      },
      10_000,
      'updates after the restart',
    );
  }, 30_000);

  test('ok: once its certificate expired, a restart makes it pending again (returning) until an admin approves it again', async () => {
    await agent.stop();
    // As if it had been off for 14 days: the director's record of its certificate says it expired.
    expireCertificateRecord(director.dataDir, guid);
    agent = start(agent.dir);
    await agent.waitForLog(/Pending approval/);
    expect((await api('/v1/admin/agents?state=pending', { cookie: admin })).json.agents).toEqual([expect.objectContaining({ guid, returning: true })]);
    expect((await api(`/v1/admin/agents/${guid}/approve`, { method: 'POST', cookie: admin })).status).toBe(200);
    await agent.stop();
    agent = start(agent.dir);
    await agent.waitForLog(new RegExp(`Agent ${guid} registered successfully`));
    expect(await record()).toMatchObject({ state: 'registered', returning: false });
  }, 30_000);

  test('rejects: a revoked Go agent gets no certificate on restart (it reads our 403 as pending and keeps asking)', async () => {
    expect((await api(`/v1/admin/agents/${guid}/revoke`, { method: 'POST', cookie: admin, json: { force: true } })).status).toBe(200);
    await agent.stop();
    agent = start(agent.dir);
    await agent.waitForLog(/Pending approval/);
    expect(agent.proc.lines.filter((l) => l.includes('registered successfully'))).toEqual([]);
    expect(await record()).toMatchObject({ state: 'revoked' });
  }, 30_000);
});
