import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dcvArgvLog, startAgent, type AgentHandle } from '../helpers/dcvix.ts';
import { GoStyleDirector } from '../helpers/go-director.ts';
import { freePort } from '../helpers/go-https.ts';
import { eventually } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * Mixed fleet, pairing 2: our real agent process enrolled with a director that behaves exactly as the
 * public Go dcvix director on the agent wire (strict stand-in, tests/helpers/go-director.ts: Go's
 * encoding/json rules, 201 required on create, `{"error": "pending approval"}`, text 401s) through
 * register, renew, update, create, list and close, and the whole user flow on top.
 */
let director: GoStyleDirector;
let agent: AgentHandle;
let guid: string;
let sessionId: string;
const SERVER = 'ours-ws1';

beforeAll(async () => {
  const agentPort = await freePort();
  director = new GoStyleDirector({ agentPort });
  await director.start();
  agent = await startAgent(director.url, { config: { hostname: SERVER, listen_port: agentPort, update_interval: '500ms', renew_interval: '2s', renew_retry_interval: '500ms' } });
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

describe('our agent under a Go dcvix director', () => {
  test('ok: {"error": "pending approval"} reads as pending; after approval the CA comes from `ca`', async () => {
    await agent.proc.waitForMsg('registration pending approval', 30_000);
    guid = readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim();
    expect(director.agents.get(guid)).toMatchObject({ hostname: SERVER, state: 'pending' });
    director.approve(guid);
    await agent.port();
    expect(readFileSync(join(agent.dataDir, 'ca.pem'), 'utf8')).toBe(director.caPem);
  });

  test("ok: updates decode strictly into the Go director's structs (no error, kebab-case, RFC 3339 or null)", async () => {
    const server = await eventually(() => director.servers.get(SERVER), 15_000, 'first update');
    expect(server.tags).toContain('test');
    expect(director.decodeErrors).toEqual([]);
  });

  test('ok: renewal reads the Go answer (certificate only) and keeps the CA', async () => {
    await agent.proc.waitForMsg('certificate renewed', 15_000);
    expect(readFileSync(join(agent.dataDir, 'ca.pem'), 'utf8')).toBe(director.caPem);
  });

  test('ok: the whole user flow: list before create, 201 with a map of strings, reuse, token and verifier, close', async () => {
    expect(await director.agentSessions(SERVER)).toEqual([]);
    sessionId = await director.createForUser('alice', SERVER, 'virtual');
    expect(sessionId).toMatch(/^dcvix_[0-9a-f-]{36}$/);
    expect(dcvArgvLog(agent)).toContainEqual(['create-session', '--type', 'virtual', '--owner', 'alice', sessionId]);
    const listed = await director.agentSessions(SERVER);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: sessionId, owner: 'alice', type: 'virtual', 'num-of-connections': 0 });
    expect(String(listed[0]!['creation-time'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    // The Go director reuses the session it finds in the list: no second create-session.
    expect(await director.createForUser('alice', SERVER, 'virtual')).toBe(sessionId);
    expect(dcvArgvLog(agent).filter((a) => a[0] === 'create-session')).toHaveLength(1);
    await eventually(() => director.servers.get(SERVER)?.sessions.some((s) => s.id === sessionId), 10_000, 'session in an update');
    const token = director.connectionToken('alice', sessionId);
    expect(director.verify(sessionId, token)).toBe('alice');
    expect(director.verify('someone-else', token)).toBeUndefined();
    expect(await director.close(SERVER, sessionId)).toEqual({ status: 'success', code: 200, body: '' });
    expect(await director.agentSessions(SERVER)).toEqual([]);
    expect(director.decodeErrors).toEqual([]);
  });

  test('rejects: closing a session the host does not have is an error status, not a success', async () => {
    const response = await director.close(SERVER, 'no-such-session');
    expect(response.status).toBe('error');
    expect(response.code).toBe(404);
  });

  test('ok: 401 "unknown agent" on renew (the Go director lost it) sends our agent back to registration', async () => {
    director.forget(guid);
    await agent.proc.waitForMsg('registering again with the same GUID and key', 40_000);
    await eventually(() => director.agents.get(guid)?.state === 'pending', 15_000, 'pending again');
  });
});
