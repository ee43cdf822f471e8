import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCsr } from '../../agent/identity/ed25519-csr.ts';
import { FakeClock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import { silentLogger } from '../../shared/log.ts';
import { generateEd25519 } from '../../shared/pki/keys.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { testAgentService } from '../../tests/helpers/agent-service.ts';
import type { AuditEvent } from '../audit/types.ts';
import { openAuthority } from '../ca/authority.ts';
import { openDatabase } from '../store/db.ts';
import { createSqliteJoinTokenStore } from './join-token-store.ts';
import { JoinTokens } from './join-tokens.ts';
import { SqliteAgentStore } from './store.ts';

/** Registration with join tokens, through AgentService.register (stores on one in-memory database). */
async function setup(opts: { maxPending?: number; ratePerAddress?: number } = {}) {
  const clock = new FakeClock(Date.now());
  const ca = await openAuthority({ dataDir: mkdtempSync(join(tmpdir(), 'dcvix-ca-')), hostnames: [], clock });
  const events: AuditEvent[] = [];
  const audit = { record: (event: AuditEvent) => void events.push(event), list: async () => [] };
  const db = openDatabase(':memory:');
  const joinTokens = new JoinTokens({ store: createSqliteJoinTokenStore(db), clock, audit, log: silentLogger });
  let newcomers = 0;
  const service = testAgentService(new SqliteAgentStore(db), ca, clock, audit, {
    joinTokens,
    maxPending: opts.maxPending ?? 1000,
    admitNewRegistration: () => {
      if (++newcomers > (opts.ratePerAddress ?? Infinity)) throw new ApiError(429, 'TOO_MANY_REGISTRATIONS', 'slow down');
    },
  });
  const token = async (limits: { uses?: number; expiresInSeconds?: number; hostnamePattern?: string } = {}) =>
    (await joinTokens.create({ uses: limits.uses ?? 1, expiresInSeconds: limits.expiresInSeconds ?? 3600, hostnamePattern: limits.hostnamePattern }, 'admin')).token;
  return { clock, service, events, joinTokens, token, newcomers: () => newcomers };
}

async function registration(hostname = 'ws1', keys?: Awaited<ReturnType<typeof generateEd25519>>, guid = crypto.randomUUID()) {
  keys ??= await generateEd25519();
  const csr = Buffer.from(await createCsr(keys, agentCn(guid))).toString('base64');
  return { guid, hostname, csr, remoteAddress: '192.0.2.4', keys };
}

const DAY = 86_400_000;

test('ok: a new agent with a valid join token is registered and gets its certificate at once; the approval names the token', async () => {
  const { service, events, token, joinTokens } = await setup();
  const joinToken = await token();
  const agent = await registration('gpu-1');
  const issued = await service.register({ ...agent, joinToken });
  expect(issued.certificate).toContain('BEGIN CERTIFICATE');
  const id = joinToken.split('_')[1]!;
  expect(await service.get(agent.guid)).toMatchObject({ state: 'registered', approvedBy: `join token ${id}`, mayCollect: false });
  expect(events.map((e) => [e.type, e.target])).toEqual([
    ['join-token.create', id],
    ['join-token.use', id],
    ['agent.approve', agent.guid],
  ]);
  expect(events[2]).toMatchObject({ actor: `join token ${id}`, clientAddress: '192.0.2.4', detail: 'gpu-1 (new)' });
  expect((await joinTokens.list())[0]).toMatchObject({ used: 1 });
  expect(JSON.stringify(events)).not.toContain(joinToken.slice(-43));
});

test('ok: a 1-use token admits one agent; the second is refused with JOIN_TOKEN_USED_UP (nothing written) and then waits pending without it', async () => {
  const { service, token } = await setup();
  const joinToken = await token({ uses: 1 });
  const first = await registration('ws1');
  const second = await registration('ws2');
  await service.register({ ...first, joinToken });
  await expect(service.register({ ...second, joinToken })).rejects.toMatchObject({ status: 403, code: 'JOIN_TOKEN_USED_UP' });
  expect(await service.get(second.guid)).toBeUndefined();
  await expect(service.register(second)).rejects.toMatchObject({ code: 'AGENT_PENDING' });
  expect((await service.get(second.guid))!.state).toBe('pending');
});

test('ok: a valid token admits even while the pending list is full and the address has used up its new registrations', async () => {
  const { service, token, newcomers } = await setup({ maxPending: 2, ratePerAddress: 3 });
  for (const host of ['flood1', 'flood2']) await service.register(await registration(host)).catch(() => {});
  await expect(service.register(await registration('flood3'))).rejects.toMatchObject({ status: 429, code: 'TOO_MANY_PENDING' });
  await expect(service.register(await registration('flood4'))).rejects.toMatchObject({ status: 429, code: 'TOO_MANY_REGISTRATIONS' });
  const joinToken = await token({ uses: 5 });
  const real = await registration('gpu-9');
  expect((await service.register({ ...real, joinToken })).agentId).toBe(real.guid);
  expect(newcomers()).toBe(4);
  // A refused token from a newcomer counts against its address like any new registration.
  await expect(service.register({ ...(await registration('x')), joinToken: 'dcvix-join_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).rejects.toMatchObject({
    status: 429,
  });
  expect(newcomers()).toBe(5);
});

test('rejects: an expired token, a host outside its pattern and a revoked token: each its code, the agent not written', async () => {
  const { service, token, clock, joinTokens } = await setup();
  const shortLived = await token({ expiresInSeconds: 60 });
  const gpuOnly = await token({ hostnamePattern: 'gpu-*.example.com' });
  const revoked = await token();
  await joinTokens.revoke(revoked.split('_')[1]!, 'admin');
  clock.advance(61_000);
  for (const [joinToken, hostname, code] of [
    [shortLived, 'ws1', 'JOIN_TOKEN_EXPIRED'],
    [gpuOnly, 'cpu-1.example.com', 'JOIN_TOKEN_HOSTNAME_MISMATCH'],
    [revoked, 'ws1', 'JOIN_TOKEN_REVOKED'],
  ] as const) {
    const agent = await registration(hostname);
    const refusal = await service.register({ ...agent, joinToken }).catch((error: ApiError) => error);
    expect([(refusal as ApiError).status, (refusal as ApiError).code]).toEqual([403, code]);
    expect((refusal as ApiError).message).not.toContain(joinToken.slice(-43));
    expect(await service.get(agent.guid)).toBeUndefined();
  }
  expect((await service.register({ ...(await registration('gpu-2.example.com')), joinToken: gpuOnly })).certificate).toContain('CERTIFICATE');
});

test('ok: an agent already pending is admitted when it comes back with a token', async () => {
  const { service, token } = await setup();
  const agent = await registration('ws5');
  await expect(service.register(agent)).rejects.toMatchObject({ code: 'AGENT_PENDING' });
  expect((await service.register({ ...agent, joinToken: await token() })).agentId).toBe(agent.guid);
  expect((await service.get(agent.guid))!.state).toBe('registered');
});

test('ok: a returning agent (same key, certificate expired) passes re-approval with a token; a registered one with a valid certificate uses none', async () => {
  const { service, token, clock, joinTokens } = await setup();
  const joinToken = await token({ uses: 1 });
  const keys = await generateEd25519();
  const agent = await registration('ws6', keys);
  await service.register(agent).catch(() => {});
  await service.approve(agent.guid, 'admin');
  await service.register(agent);
  // While the certificate is valid the agent is re-issued without using the token.
  await service.register({ ...agent, joinToken });
  expect((await joinTokens.list())[0]!.used).toBe(0);
  clock.advance(15 * DAY);
  const token2 = await token({ uses: 1 });
  const issued = await service.register({ ...agent, joinToken: token2 });
  expect(Date.parse(issued.notAfter)).toBe(clock.now() + 14 * DAY);
  expect(await service.get(agent.guid)).toMatchObject({ state: 'registered', returning: false });
  // Without a token it would have waited pending (returning).
  clock.advance(15 * DAY);
  await expect(service.register(agent)).rejects.toMatchObject({ code: 'AGENT_PENDING' });
});

test('rejects: a token never takes over a registered identity with another key, nor admits a revoked agent', async () => {
  const { service, token, joinTokens } = await setup();
  const joinToken = await token({ uses: 5 });
  const agent = await registration('ws7');
  await service.register({ ...agent, joinToken });
  const thief = await registration('ws7', undefined, agent.guid);
  await expect(service.register({ ...thief, joinToken })).rejects.toMatchObject({ status: 409, code: 'AGENT_KEY_MISMATCH' });
  await service.revoke(agent.guid, 'admin');
  await expect(service.register({ ...agent, joinToken })).rejects.toMatchObject({ status: 403, code: 'AGENT_REVOKED' });
  expect((await joinTokens.list())[0]!.used).toBe(1);
});

test('ok: a host name held by another registered agent: the token waits (pending, no use taken) and admits once the old one is revoked', async () => {
  const { service, token, joinTokens } = await setup();
  const joinToken = await token({ uses: 1 });
  const old = await registration('ws8');
  await service.register(old).catch(() => {});
  await service.approve(old.guid, 'admin');
  const reimaged = await registration('ws8');
  await expect(service.register({ ...reimaged, joinToken })).rejects.toMatchObject({ code: 'AGENT_PENDING' });
  await expect(service.register({ ...reimaged, joinToken })).rejects.toMatchObject({ code: 'AGENT_PENDING' });
  expect((await joinTokens.list())[0]!.used).toBe(0);
  await service.revoke(old.guid, 'admin');
  expect((await service.register({ ...reimaged, joinToken })).agentId).toBe(reimaged.guid);
});
