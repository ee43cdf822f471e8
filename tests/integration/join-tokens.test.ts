import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { SimAgent } from '../helpers/hostile.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * Join tokens end to end: a real director and real agents (dcv simulator). An agent configured with a
 * token is admitted and serves without an admin's click; a 1-use token admits one agent and leaves the
 * next pending; expired tokens and host names outside a token's pattern are refused with their codes
 * (the agent then waits for approval); with the pending list full a token still admits. The secret
 * appears in no log line and no audit event.
 */
const MAX_PENDING = 3;
let director: DirectorHandle;
let admin: string;
const agents: AgentHandle[] = [];
const secrets: string[] = [];

async function createToken(body: Record<string, unknown>): Promise<{ token: string; id: string }> {
  const created = await call(`${director.url}/v1/admin/join-tokens`, { method: 'POST', ca: director.caPem, cookie: admin, json: body });
  expect(created.status).toBe(200);
  // The only answer that carries the secret is not kept by any cache.
  expect(created.headers.get('cache-control')).toBe('no-store');
  secrets.push(created.json.token.slice(-43));
  return { token: created.json.token, id: created.json.joinToken.id };
}

/** An agent whose join_token_file holds `token` (mode 0600, as cloud-init would write it). */
async function agentWith(token: string, hostname: string): Promise<AgentHandle & { guid: () => string }> {
  const dir = tempDir('dcvix-join-agent-');
  writeFileSync(join(dir, 'join.token'), `${token}\n`, { mode: 0o600 });
  const agent = await startAgent(director.url, { dir, config: { hostname, join_token_file: join(dir, 'join.token') } });
  agents.push(agent);
  return Object.assign(agent, { guid: () => readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim() });
}

const agentState = async (guid: string) =>
  (await call(`${director.url}/v1/admin/agents`, { ca: director.caPem, cookie: admin })).json.agents.find((a: { guid: string }) => a.guid === guid) as
    | { state: string; approvedBy: string | null }
    | undefined;

const serverOnline = (guid: string) =>
  eventually(
    async () => (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json.servers.find((s: { guid: string; online: boolean }) => s.guid === guid && s.online),
    20_000,
    `server of ${guid} online`,
  );

beforeAll(async () => {
  director = await startDirector({ config: { max_pending_agents: MAX_PENDING } });
  admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
}, 60_000);

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
  await director?.stop();
  cleanupTempDirs();
});

describe('join tokens', () => {
  test('ok: an agent with a join token becomes active with no approval; the token shows one use', async () => {
    const { token, id } = await createToken({ expiresIn: 3600, uses: 1 });
    const agent = await agentWith(token, 'jt-first');
    await agent.proc.waitForMsg('registered with the director', 30_000);
    expect(agent.proc.count('registration pending approval')).toBe(0);
    await serverOnline(agent.guid());
    expect(await agentState(agent.guid())).toMatchObject({ state: 'registered', approvedBy: `join token ${id}` });
    const list = await call(`${director.url}/v1/admin/join-tokens`, { ca: director.caPem, cookie: admin });
    expect(list.json.joinTokens).toEqual([expect.objectContaining({ id, uses: 1, used: 1, state: 'used-up', createdBy: 'admin' })]);
    expect(list.text).not.toContain(token);
  }, 60_000);

  test('ok: a 1-use token admits one agent and leaves the second pending (JOIN_TOKEN_USED_UP logged by the agent)', async () => {
    const { token, id } = await createToken({ expiresIn: 3600, uses: 1 });
    const first = await agentWith(token, 'jt-one');
    await first.proc.waitForMsg('registered with the director', 30_000);
    const second = await agentWith(token, 'jt-two');
    const refused = await second.proc.waitForMsg('join token refused; registering without it, to wait for approval', 30_000);
    expect(refused).toMatchObject({ code: 'JOIN_TOKEN_USED_UP', joinToken: id });
    await second.proc.waitForMsg('registration pending approval', 30_000);
    expect((await agentState(second.guid()))?.state).toBe('pending');
  }, 60_000);

  test('rejects: an expired token: JOIN_TOKEN_EXPIRED, and the agent waits for approval', async () => {
    const { token, id } = await createToken({ expiresIn: 3600, uses: 5 });
    // As if the hour had passed: the director reads the row on every registration.
    const db = new Database(join(director.dataDir, 'agents.db'));
    db.exec('PRAGMA busy_timeout = 5000');
    db.query('UPDATE join_tokens SET expires_at = ? WHERE id = ?').run(Date.now() - 1000, id);
    db.close();
    const agent = await agentWith(token, 'jt-late');
    expect(await agent.proc.waitForMsg('join token refused; registering without it, to wait for approval', 30_000)).toMatchObject({ code: 'JOIN_TOKEN_EXPIRED' });
    await agent.proc.waitForMsg('registration pending approval', 30_000);
    expect((await agentState(agent.guid()))?.state).toBe('pending');
    const listed = (await call(`${director.url}/v1/admin/join-tokens`, { ca: director.caPem, cookie: admin })).json.joinTokens.find((t: { id: string }) => t.id === id);
    expect(listed).toMatchObject({ state: 'expired', used: 0 });
  }, 60_000);

  test('rejects: a host name outside the token pattern: JOIN_TOKEN_HOSTNAME_MISMATCH, and the agent waits for approval', async () => {
    const { token } = await createToken({ expiresIn: 3600, uses: 5, hostnamePattern: 'gpu-*.example.com' });
    const outside = await agentWith(token, 'cpu-1.example.com');
    expect(await outside.proc.waitForMsg('join token refused; registering without it, to wait for approval', 30_000)).toMatchObject({ code: 'JOIN_TOKEN_HOSTNAME_MISMATCH' });
    await outside.proc.waitForMsg('registration pending approval', 30_000);
    expect((await agentState(outside.guid()))?.state).toBe('pending');
  }, 60_000);

  test('ok: with the pending list full a plain registration gets 429 TOO_MANY_PENDING, while an agent with a valid token (its host matching the pattern) is admitted', async () => {
    const pending = (await call(`${director.url}/v1/admin/agents?state=pending`, { ca: director.caPem, cookie: admin })).json.agents;
    expect(pending).toHaveLength(MAX_PENDING);
    const plain = await (await SimAgent.create('jt-flood')).register(director);
    expect([plain.status, plain.json.error.code]).toEqual([429, 'TOO_MANY_PENDING']);
    const { token } = await createToken({ expiresIn: 3600, uses: 5, hostnamePattern: 'gpu-*.example.com' });
    const agent = await agentWith(token, 'gpu-2.example.com');
    await agent.proc.waitForMsg('registered with the director', 30_000);
    await serverOnline(agent.guid());
  }, 60_000);

  test('ok: every create, use and refused use is audited by token id; no log line or audit event holds a secret', async () => {
    const audit = await call(`${director.url}/v1/admin/audit?limit=200`, { ca: director.caPem, cookie: admin });
    const events = audit.json.events as { type: string; outcome: string; detail?: string }[];
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect([count('join-token.create'), count('join-token.use'), count('join-token.refuse')]).toEqual([5, 3, 3]);
    expect(
      events
        .filter((e) => e.type === 'join-token.refuse')
        .map((e) => e.detail!.split(':')[0])
        .sort(),
    ).toEqual(['JOIN_TOKEN_EXPIRED', 'JOIN_TOKEN_HOSTNAME_MISMATCH', 'JOIN_TOKEN_USED_UP']);
    const everything = [audit.text, ...director.proc.lines, ...agents.flatMap((agent) => agent.proc.lines)].join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  test('rejects: bad create bodies get their codes; a non-admin can neither list nor create; revoke is 200 then 409, unknown 404', async () => {
    const post = (json: unknown, cookie = admin) => call(`${director.url}/v1/admin/join-tokens`, { method: 'POST', ca: director.caPem, cookie, json });
    const codes = await Promise.all(
      [post({ expiresIn: 10, uses: 1 }), post({ expiresIn: 3600, uses: 0 }), post({ expiresIn: 3600, uses: 1, hostnamePattern: '!gpu-*' })].map(async (answer) => [
        (await answer).status,
        (await answer).json.error.code,
      ]),
    );
    expect(codes).toEqual([
      [400, 'INVALID_EXPIRES_IN'],
      [400, 'INVALID_USES'],
      [400, 'INVALID_HOSTNAME_PATTERN'],
    ]);
    const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    expect((await post({ expiresIn: 3600, uses: 1 }, alice)).status).toBe(403);
    expect((await call(`${director.url}/v1/admin/join-tokens`, { ca: director.caPem, cookie: alice })).status).toBe(403);
    const { id } = await createToken({ expiresIn: 3600, uses: 1 });
    const revoke = () => call(`${director.url}/v1/admin/join-tokens/${id}`, { method: 'DELETE', ca: director.caPem, cookie: admin });
    const revoked = await revoke();
    expect([revoked.status, revoked.json.joinToken.state, revoked.json.joinToken.revokedBy]).toEqual([200, 'revoked', 'admin']);
    expect([(await revoke()).status, (await revoke()).json.error.code]).toEqual([409, 'INVALID_STATE']);
    const unknown = await call(`${director.url}/v1/admin/join-tokens/0000000000000000`, { method: 'DELETE', ca: director.caPem, cookie: admin });
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'JOIN_TOKEN_NOT_FOUND']);
  });
});
