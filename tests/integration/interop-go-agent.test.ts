import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { GoStyleAgent } from '../helpers/go-agent.ts';
import { freePort } from '../helpers/go-https.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { goSession, GO_ZERO_TIME } from '../fixtures/go-dcvix/wire.ts';

/**
 * Mixed fleet, pairing 1: an agent that behaves exactly as the public Go dcvix agent (strict stand-in,
 * tests/helpers/go-agent.ts) enrolled with our real director process: register -> pending -> approve ->
 * updates in Go's form (kebab-case sessions, zero times, a Windows owner, no agentPort) -> the whole
 * user flow, with the director dialling the agent on its configured agent_port.
 */
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
  cleanupTempDirs();
});

describe('a Go dcvix agent under our director', () => {
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
