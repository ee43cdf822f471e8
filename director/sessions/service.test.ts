import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import { silentLogger } from '../../shared/log.ts';
import { AgentTimeoutError } from '../agent-client/agent-timeout.ts';
import type { AgentClient } from '../agent-client/client.ts';
import type { AuditEvent } from '../audit/types.ts';
import { PolicyHolder } from '../policy/holder.ts';
import { markDrain } from '../servers/drain-rows.ts';
import type { HealthReason } from '../servers/health.ts';
import type { ServerEntry } from '../servers/runtime-state.ts';
import { fleetHarness } from '../../tests/helpers/fleet-harness.ts';
import { SessionService } from './service.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const stats = { hostname: 'x', free_memory: 1e9, total_memory: 2e9, cores: 4, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };
const AGENT_TIMEOUT = 30_000;
const COOLDOWN = 300_000;

/** What a fake agent does for one create: answer (after `takesMs` on the fake clock) or fail. */
type Behaviour = { takesMs?: number; fail?: ApiError };

/**
 * A pool `p` of `members` (equal stats, so placement tries them in id order; `pool` adds to its
 * pools.json entry), a fake clock, and fake agents whose behaviour per server the test sets; every call
 * is recorded with the time limit it got, every request body in `requests`, every audit event in `audited`.
 */
async function setup(members = ['ws1', 'ws2'], opts: { slowMs?: number; pool?: Record<string, unknown> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-svc-'));
  writeFileSync(join(dir, 'users.json'), JSON.stringify({ users: { alice: { pools: ['p'], servers: ['ws1'] }, bob: { pools: ['p'] }, carol: { pools: ['p'] } } }));
  writeFileSync(join(dir, 'pools.json'), JSON.stringify({ pools: { p: { servers: members, ...opts.pool } } }));
  const policy = new PolicyHolder(dir, silentLogger);
  policy.reload();
  const clock = new FakeClock(Date.now());
  const fleet = fleetHarness({ kind: 'sqlite' }, { clock });
  const state = fleet.state;
  const update = (id: string, extra: { dcvError?: string; dcvTimeoutMs?: number; maxVirtualSessions?: number } = {}) =>
    fleet.report(`g-${id}`, id, [], { stats: { ...stats, hostname: id }, ...extra });
  for (const id of members) {
    await fleet.registerAgent(`g-${id}`, id);
    await update(id);
  }
  const behaviour = new Map<string, Behaviour>();
  const calls: { server: string; timeoutMs: number | undefined }[] = [];
  const requests: Record<string, unknown>[] = [];
  const agents = {
    createSession: async (server: ServerEntry, req: { sessionId: string; userId: string; sessionType: string }, options: { timeoutMs?: number } = {}) => {
      calls.push({ server: server.id, timeoutMs: options.timeoutMs });
      requests.push(req);
      if (opts.slowMs) await Bun.sleep(opts.slowMs);
      const planned = behaviour.get(server.id) ?? {};
      // The director's own time limit, as the real client enforces it.
      const limit = Math.min(options.timeoutMs ?? AGENT_TIMEOUT, AGENT_TIMEOUT);
      if ((planned.takesMs ?? 10) > limit) {
        clock.advance(limit);
        throw new AgentTimeoutError(server.id, limit);
      }
      clock.advance(planned.takesMs ?? 10);
      if (planned.fail) throw planned.fail;
      return { session: { id: req.sessionId, owner: req.userId, type: req.sessionType, numOfConnections: 0 } };
    },
  } as unknown as AgentClient;
  const audited: AuditEvent[] = [];
  const audit = { record: (event: AuditEvent) => void audited.push(event), list: async () => [] };
  const failures: HealthReason[] = [];
  const service = new SessionService({
    fleet: fleet.fleet,
    healthRules: { agentRequestTimeoutMs: AGENT_TIMEOUT },
    state,
    policy,
    agents,
    audit,
    log: silentLogger,
    offlineAfterMs: 600_000,
    clock,
    agentRequestTimeoutMs: AGENT_TIMEOUT,
    cooldownMs: COOLDOWN,
    onPlacementFailure: (r) => failures.push(r),
  });
  const create = (user = 'alice', target: { poolId?: string; serverId?: string } = { poolId: 'p' }) => service.createForUser({ user, groups: [] }, target, 'virtual');
  const createErr = (user = 'alice', target?: { poolId?: string; serverId?: string }) =>
    create(user, target).then(
      () => undefined,
      (e: ApiError) => e,
    );
  const health = (id: string) => state.health(state.server(id)!);
  return { service, state, clock, behaviour, calls, requests, audited, failures, update, create, createErr, health, rig: fleet };
}

const dcvError = (msg = 'dcv create-session failed (exit 1): Could not create session') => new ApiError(502, 'DCV_FAILED', msg);
const licences = () => new ApiError(502, 'DCV_FAILED', 'dcv create-session failed (exit 1): All licenses in use');
const timeout = () => new ApiError(502, 'DCV_TIMEOUT', 'dcv create-session did not finish within 10000 ms');
const unreachable = () => new ApiError(502, 'AGENT_UNREACHABLE', 'agent on ws1 did not answer within 30000 ms');

test('ok: users racing for console sessions in a pool are spread over its hosts; the one too many gets 503', async () => {
  const { service, calls } = await setup(['ws1', 'ws2'], { slowMs: 20 });
  const results = await Promise.allSettled(['alice', 'bob', 'carol'].map((user) => service.createForUser({ user, groups: [] }, { poolId: 'p' }, 'console')));
  const ok = results.filter((r) => r.status === 'fulfilled');
  expect(ok).toHaveLength(2);
  expect(calls.map((c) => c.server).sort()).toEqual(['ws1', 'ws2']);
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect(failed.reason.code).toBe('NO_SERVER_AVAILABLE');
});

describe('placement routes around broken hosts', () => {
  test('ok: a host-side failure is retried on the next member; the host is marked unhealthy and skipped until the cool-down ends', async () => {
    const harness = await setup(['ws1', 'ws2']);
    harness.behaviour.set('ws1', { fail: licences() });
    const result = await harness.create('alice');
    expect(result.session.serverId).toBe('ws2');
    expect(harness.calls.map((c) => c.server)).toEqual(['ws1', 'ws2']);
    expect(harness.health('ws1')).toMatchObject({ status: 'unhealthy', reason: 'LICENSES_EXHAUSTED', message: expect.stringContaining('All licenses in use') });
    expect(harness.failures).toEqual(['LICENSES_EXHAUSTED']);
    // bob: ws1 is cooling down, so it is not tried at all, even though an update came in meanwhile.
    await harness.update('ws1');
    expect((await harness.create('bob')).session.serverId).toBe('ws2');
    expect(harness.calls.map((c) => c.server)).toEqual(['ws1', 'ws2', 'ws2']);
    harness.clock.advance(COOLDOWN);
    expect(harness.health('ws1').status).toBe('healthy');
    harness.behaviour.delete('ws1');
    expect((await harness.create('carol')).session.serverId).toBe('ws1');
  });

  test('ok: an update showing dcv answering ends a dcv-unavailable mark before the cool-down, not a DCV_TIMEOUT one', async () => {
    const harness = await setup(['ws1', 'ws2', 'ws3']);
    harness.behaviour.set('ws1', { fail: new ApiError(502, 'DCV_UNAVAILABLE', 'dcv binary "/usr/bin/dcv" could not be started (ENOENT)') });
    harness.behaviour.set('ws2', { fail: timeout() });
    expect((await harness.create('alice')).session.serverId).toBe('ws3');
    expect([harness.health('ws1').reason, harness.health('ws2').reason]).toEqual(['DCV_UNAVAILABLE', 'DCV_TIMEOUT']);
    harness.clock.advance(1000);
    await harness.update('ws1');
    await harness.update('ws2');
    const health = harness.health('ws1');
    expect([health.status, health.since]).toEqual(['healthy', harness.clock.now()]);
    // list-sessions answering says nothing about a create-session that hangs.
    expect(harness.health('ws2').reason).toBe('DCV_TIMEOUT');
  });

  test('ok: a successful create on a cooling-down server (direct, e.g. an admin test) ends its mark', async () => {
    const harness = await setup(['ws1', 'ws2']);
    harness.behaviour.set('ws1', { fail: unreachable() });
    await harness.create('bob');
    expect(harness.health('ws1').reason).toBe('AGENT_UNREACHABLE');
    harness.behaviour.delete('ws1');
    expect((await harness.create('alice', { serverId: 'ws1' })).session.serverId).toBe('ws1');
    expect(harness.health('ws1').status).toBe('healthy');
  });

  test('rejects: at most 3 members are tried; 503 NO_HEALTHY_SERVER carries the last reason', async () => {
    const harness = await setup(['ws1', 'ws2', 'ws3', 'ws4']);
    harness.behaviour.set('ws1', { fail: dcvError() });
    harness.behaviour.set('ws2', { fail: licences() });
    harness.behaviour.set('ws3', { fail: timeout() });
    const err = await harness.createErr('alice');
    expect([err?.status, err?.code, err?.details?.reason, err?.details?.serverId]).toEqual([503, 'NO_HEALTHY_SERVER', 'DCV_TIMEOUT', 'ws3']);
    expect(err?.message).toContain('3 servers failed');
    expect(harness.calls.map((c) => c.server)).toEqual(['ws1', 'ws2', 'ws3']);
    expect(harness.failures).toEqual(['DCV_FAILED', 'LICENSES_EXHAUSTED', 'DCV_TIMEOUT']);
    // The next user goes straight to the one member left.
    expect((await harness.create('bob')).session.serverId).toBe('ws4');
  });

  test('rejects: with every member unhealthy no agent is called; the 503 names the latest reason', async () => {
    const harness = await setup(['ws1', 'ws2']);
    harness.behaviour.set('ws1', { fail: licences() });
    harness.behaviour.set('ws2', { fail: timeout() });
    expect((await harness.createErr('alice'))?.details?.reason).toBe('DCV_TIMEOUT');
    const before = harness.calls.length;
    const err = await harness.createErr('bob');
    expect([err?.status, err?.code, err?.details?.reason]).toEqual([503, 'NO_HEALTHY_SERVER', 'DCV_TIMEOUT']);
    expect(err?.message).toContain('every online member is unhealthy');
    expect(harness.calls.length).toBe(before);
  });

  test('rejects: healthy members that are only busy (a console each) give NO_SERVER_AVAILABLE, not a health reason', async () => {
    const harness = await setup(['ws1', 'ws2']);
    harness.behaviour.set('ws2', { fail: licences() });
    await harness.service.createForUser({ user: 'alice', groups: [] }, { poolId: 'p' }, 'console');
    const err = await harness.service.createForUser({ user: 'bob', groups: [] }, { poolId: 'p' }, 'console').then(
      () => undefined,
      (e: ApiError) => e,
    );
    expect([err?.status, err?.code]).toEqual([503, 'NO_HEALTHY_SERVER']);
    const busy = await harness.service.createForUser({ user: 'carol', groups: [] }, { poolId: 'p' }, 'console').then(
      () => undefined,
      (e: ApiError) => e,
    );
    expect([busy?.status, busy?.code]).toEqual([503, 'NO_SERVER_AVAILABLE']);
  });

  test('ok: each attempt gets what is left of agent_request_timeout + 5 s, and none starts after it', async () => {
    const harness = await setup(['ws1', 'ws2', 'ws3']);
    harness.behaviour.set('ws1', { fail: unreachable(), takesMs: AGENT_TIMEOUT });
    harness.behaviour.set('ws2', { fail: timeout(), takesMs: 5_000 });
    const err = await harness.createErr('alice');
    expect(harness.calls).toEqual([
      { server: 'ws1', timeoutMs: 35_000 },
      { server: 'ws2', timeoutMs: 5_000 },
    ]);
    expect([err?.code, err?.details?.reason]).toEqual(['NO_HEALTHY_SERVER', 'DCV_TIMEOUT']);
    expect(err?.message).toContain('time for this request ran out');
  });

  test('ok: an attempt cut short by the overall deadline does not mark its host; a full-length time-out does', async () => {
    const harness = await setup(['ws1', 'ws2']);
    // ws1 does not answer within agent_request_timeout; ws2 would answer after 8 s, but only 5 s are left.
    harness.behaviour.set('ws1', { takesMs: AGENT_TIMEOUT + 1 });
    harness.behaviour.set('ws2', { takesMs: 8_000 });
    const err = await harness.createErr('alice');
    expect(harness.calls).toEqual([
      { server: 'ws1', timeoutMs: 35_000 },
      { server: 'ws2', timeoutMs: 5_000 },
    ]);
    expect([err?.status, err?.code, err?.details?.reason]).toEqual([503, 'NO_HEALTHY_SERVER', 'AGENT_UNREACHABLE']);
    expect(harness.health('ws1')).toMatchObject({ status: 'unhealthy', reason: 'AGENT_UNREACHABLE' });
    expect(harness.health('ws2').status).toBe('healthy');
    expect(harness.failures).toEqual(['AGENT_UNREACHABLE']);
    // The next user goes to ws2, which has its full time again.
    expect((await harness.create('bob')).session.serverId).toBe('ws2');
  });

  test('rejects: a user error is never retried and marks nothing', async () => {
    const harness = await setup(['ws1', 'ws2']);
    harness.behaviour.set('ws1', { fail: new ApiError(400, 'INVALID_USER', 'userId must be a valid login name') });
    const err = await harness.createErr('alice');
    expect([err?.status, err?.code]).toEqual([400, 'INVALID_USER']);
    expect(harness.calls.map((c) => c.server)).toEqual(['ws1']);
    expect(harness.health('ws1').status).toBe('healthy');
    expect((await harness.createErr('alice', { poolId: 'nope' }))?.code).toBe('POOL_NOT_FOUND');
    expect((await harness.createErr('bob', { serverId: 'ws1' }))?.code).toBe('NOT_PERMITTED');
    expect(harness.calls).toHaveLength(1);
    expect(harness.failures).toEqual([]);
  });

  test('ok: a host whose update reports a dcv error is not placed on; a direct create there says why', async () => {
    const harness = await setup(['ws1', 'ws2']);
    await harness.update('ws1', { dcvError: 'dcv binary "/usr/bin/dcv" could not be started (ENOENT)' });
    expect((await harness.create('bob')).session.serverId).toBe('ws2');
    expect(harness.calls.map((c) => c.server)).toEqual(['ws2']);
    const err = await harness.createErr('alice', { serverId: 'ws1' });
    expect([err?.status, err?.code, err?.details?.reason]).toEqual([503, 'SERVER_UNHEALTHY', 'DCV_UNAVAILABLE']);
    expect(err?.message).toContain('ENOENT');
    await harness.update('ws1');
    expect((await harness.create('alice', { serverId: 'ws1' })).session.serverId).toBe('ws1');
  });

  test('ok: misconfigured timeouts are a health reason; such a host is used only when no healthy one is left', async () => {
    const harness = await setup(['ws1', 'ws2']);
    await harness.update('ws1', { dcvTimeoutMs: 14_000 }); // 2 x 14 s + 2 s >= 30 s
    await harness.update('ws2', { dcvTimeoutMs: 13_999 });
    expect(harness.health('ws1')).toMatchObject({ status: 'unhealthy', reason: 'MISCONFIGURED_TIMEOUTS' });
    expect(harness.health('ws2').status).toBe('healthy');
    expect((await harness.create('alice')).session.serverId).toBe('ws2');
    harness.behaviour.set('ws2', { fail: licences() });
    expect((await harness.create('bob')).session.serverId).toBe('ws1');
  });
});

describe('drained hosts (maintenance)', () => {
  const mark = (at: number) => ({ at, by: 'admin', reason: 'maintenance' });

  test('ok: a pool create skips a drained member; a reconnect to a session there still works; a new session there by name is 503 SERVER_DRAINED', async () => {
    const harness = await setup(['ws1', 'ws2']);
    const before = await harness.create('alice', { serverId: 'ws1' });
    expect((await harness.create('carol')).session.serverId).toBe('ws2');
    // One session each: placement would now pick ws1 (ties go by id), but it is drained.
    await harness.rig.fleet.run(markDrain('ws1', mark(harness.clock.now())));
    expect((await harness.create('bob')).session.serverId).toBe('ws2');
    const again = await harness.create('alice', { serverId: 'ws1' });
    expect([again.reconnected, again.session.id]).toEqual([true, before.session.id]);
    const consoleErr = await harness.service.createForUser({ user: 'alice', groups: [] }, { serverId: 'ws1' }, 'console').then(
      () => undefined,
      (e: ApiError) => e,
    );
    expect([consoleErr?.status, consoleErr?.code]).toEqual([503, 'SERVER_DRAINED']);
    await expect(harness.service.createAsAdmin('admin', 'ws1', 'dave', 'virtual')).rejects.toMatchObject({ status: 503, code: 'SERVER_DRAINED' });
    expect(harness.calls.map((c) => c.server)).toEqual(['ws1', 'ws2', 'ws2']);
  });

  test('rejects: every online member drained: 503 NO_SERVER_AVAILABLE saying so, no agent called', async () => {
    const harness = await setup(['ws1', 'ws2']);
    for (const id of ['ws1', 'ws2']) await harness.rig.fleet.run(markDrain(id, mark(harness.clock.now())));
    const err = await harness.createErr('alice');
    expect([err?.status, err?.code]).toEqual([503, 'NO_SERVER_AVAILABLE']);
    expect(err?.message).toContain('in maintenance');
    expect(harness.calls).toEqual([]);
  });

  test('ok: a member drained through another director a moment ago (not yet in memory) is refused by its row; the next member takes the session, nothing marked', async () => {
    const harness = await setup(['ws1', 'ws2']);
    // Written to the store only, as another director would.
    await harness.rig.store.transact(markDrain('ws1', mark(harness.clock.now())), harness.clock.now());
    expect(harness.state.server('ws1')!.drain).toBeUndefined();
    expect((await harness.create('alice')).session.serverId).toBe('ws2');
    expect(harness.calls.map((c) => c.server)).toEqual(['ws2']);
    expect([harness.health('ws1').status, harness.failures]).toEqual(['healthy', []]);
  });
});

describe('session limits and launch settings', () => {
  const errOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: ApiError) => e,
    );

  test('ok: with `new` a user gets another virtual session in the pool until max_sessions_per_user; then 409, nothing asked, audited', async () => {
    const harness = await setup(['ws1', 'ws2'], { pool: { max_sessions_per_user: 2 } });
    const again = (fresh: boolean) => harness.service.createForUser({ user: 'alice', groups: [] }, { poolId: 'p' }, 'virtual', fresh);
    const first = await again(false);
    expect((await again(false)).session.id).toBe(first.session.id);
    const second = await again(true);
    expect([second.reconnected, second.session.id === first.session.id]).toEqual([false, false]);
    const refused = await errOf(again(true));
    expect([refused?.status, refused?.code, refused?.details]).toEqual([409, 'SESSION_LIMIT_REACHED', { limit: 'max_sessions_per_user', max: 2, poolId: 'p' }]);
    expect(harness.calls).toHaveLength(2);
    expect(harness.audited.at(-1)).toMatchObject({ type: 'session.create', actor: 'alice', target: 'p', outcome: 'failure', detail: expect.stringContaining('max_sessions_per_user') });
    // Without `new` a reconnect is still answered at the limit; a console is one more session, so refused.
    expect((await again(false)).reconnected).toBe(true);
    expect((await errOf(harness.service.createForUser({ user: 'alice', groups: [] }, { poolId: 'p' }, 'console')))?.code).toBe('SESSION_LIMIT_REACHED');
    // Another user has a count of their own.
    expect((await harness.create('bob')).reconnected).toBe(false);
  });

  test('ok: a host at its max_virtual_sessions is not a candidate; when every member is full, 409 names the limit', async () => {
    const harness = await setup(['ws1', 'ws2']);
    await harness.update('ws1', { maxVirtualSessions: 1 });
    await harness.update('ws2', { maxVirtualSessions: 1 });
    expect(harness.state.server('ws1')!.maxVirtualSessions).toBe(1);
    expect((await harness.create('alice')).session.serverId).toBe('ws1');
    expect((await harness.create('bob')).session.serverId).toBe('ws2');
    const full = await harness.createErr('carol');
    expect([full?.status, full?.code, full?.details?.limit, full?.details?.poolId]).toEqual([409, 'SESSION_LIMIT_REACHED', 'max_virtual_sessions', 'p']);
    expect(harness.calls.map((c) => c.server)).toEqual(['ws1', 'ws2']);
    // Console sessions do not count against it; an update without the limit lifts it.
    expect((await harness.service.createForUser({ user: 'carol', groups: [] }, { poolId: 'p' }, 'console')).session.serverId).toBe('ws1');
    await harness.update('ws2');
    expect((await harness.create('carol')).session.serverId).toBe('ws2');
  });

  test('rejects: a server by name at its limit (user or admin): 409 naming the server, no agent asked', async () => {
    const harness = await setup(['ws1']);
    await harness.update('ws1', { maxVirtualSessions: 1 });
    await harness.create('bob');
    const direct = await harness.createErr('alice', { serverId: 'ws1' });
    expect([direct?.status, direct?.code, direct?.details]).toEqual([409, 'SESSION_LIMIT_REACHED', { limit: 'max_virtual_sessions', max: 1, serverId: 'ws1' }]);
    const admin = await errOf(harness.service.createAsAdmin('root', 'ws1', 'carol', 'virtual', undefined, true));
    expect(admin?.code).toBe('SESSION_LIMIT_REACHED');
    expect(harness.calls).toHaveLength(1);
    expect(harness.audited.filter((e) => e.outcome === 'failure').map((e) => [e.actor, e.target])).toEqual([
      ['alice', 'ws1'],
      ['root', 'ws1'],
    ]);
  });

  test('rejects: two users placed at once cannot both take the last place on a host', async () => {
    const harness = await setup(['ws1'], { slowMs: 30 });
    await harness.update('ws1', { maxVirtualSessions: 1 });
    const results = await Promise.allSettled(['alice', 'bob'].map((user) => harness.create(user)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.code).toBe('SESSION_LIMIT_REACHED');
    expect(harness.calls).toHaveLength(1);
  });

  test("ok: a pool's launch settings go with its creates (init and gl for virtual sessions only), not with a create by server name", async () => {
    const harness = await setup(['ws1', 'ws2'], { pool: { init: '/opt/init.sh', storage_root: '/srv/s', gl: 'on', max_concurrent_clients: 3 } });
    await harness.create('alice');
    await harness.service.createForUser({ user: 'bob', groups: [] }, { poolId: 'p' }, 'console');
    await harness.service.createForUser({ user: 'alice', groups: [] }, { serverId: 'ws1' }, 'virtual', true);
    expect(harness.requests).toEqual([
      { userId: 'alice', sessionType: 'virtual', sessionId: expect.any(String), init: '/opt/init.sh', storageRoot: '/srv/s', gl: 'on', maxConcurrentClients: 3 },
      { userId: 'bob', sessionType: 'console', sessionId: expect.any(String), storageRoot: '/srv/s', maxConcurrentClients: 3 },
      { userId: 'alice', sessionType: 'virtual', sessionId: expect.any(String) },
    ]);
  });
});
