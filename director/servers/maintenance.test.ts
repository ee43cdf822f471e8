import { expect, test } from 'bun:test';
import { ApiError } from '../../shared/errors.ts';
import { fleetHarness } from '../../tests/helpers/fleet-harness.ts';
import { ServerMaintenance } from './maintenance.ts';
import { close as closeRow } from './session-rows.ts';

/** ws1 with three sessions and ws2 with one; closing `broken` fails on its host, `gone` was closed meanwhile. */
async function setup() {
  const rig = fleetHarness({ kind: 'sqlite' });
  await rig.registerAgent('g1', 'ws1');
  await rig.registerAgent('g2', 'ws2');
  await rig.report('g1', 'ws1', [{ id: 's1' }, { id: 'broken', owner: 'bob' }, { id: 'gone', owner: 'carol' }]);
  await rig.report('g2', 'ws2', [{ id: 'elsewhere' }]);
  const asked: { sessionId: string; admin: string; reason: string }[] = [];
  const maintenance = new ServerMaintenance({
    fleet: rig.fleet,
    state: rig.state,
    audit: { record: (event) => void rig.events.push(event), list: async () => [] },
    clock: rig.clock,
    async closeSession(sessionId, admin, reason) {
      asked.push({ sessionId, admin, reason });
      if (sessionId === 'broken') throw new ApiError(502, 'AGENT_UNREACHABLE', 'agent on ws1 did not answer within 30000 ms');
      if (sessionId === 'gone') throw new ApiError(404, 'SESSION_NOT_FOUND', 'no such session');
      await rig.fleet.run(closeRow(sessionId, 'ws1', false, rig.clock.now()));
    },
  });
  return { rig, maintenance, asked };
}

test('ok: drain is audited once (with the sessions that stay), a second drain changes nothing; open is audited with the mark it ends', async () => {
  const { rig, maintenance } = await setup();
  const first = await maintenance.drain('admin', 'ws1', '  new GPU driver ');
  expect([first.changed, first.server.drain]).toEqual([true, { at: rig.clock.now(), by: 'admin', reason: 'new GPU driver' }]);
  rig.clock.advance(1000);
  const second = await maintenance.drain('other-admin', 'ws1');
  expect([second.changed, second.server.drain?.by]).toEqual([false, 'admin']);
  expect(rig.events).toEqual([{ type: 'server.drain', actor: 'admin', target: 'ws1', outcome: 'success', detail: 'new GPU driver; 3 live sessions stay' }]);
  expect((await maintenance.open('admin', 'ws1')).changed).toBe(true);
  expect((await maintenance.open('admin', 'ws1')).changed).toBe(false);
  expect(rig.events.slice(1)).toEqual([{ type: 'server.open', actor: 'admin', target: 'ws1', outcome: 'success', detail: `drained by admin since ${new Date(rig.clock.now() - 1000).toISOString()}` }]);
  expect(rig.state.server('ws1')!.drain).toBeUndefined();
  expect((await maintenance.drain('admin', 'ws2')).server.drain?.reason).toBeNull();
});

test('rejects: an unknown server is 404 SERVER_NOT_FOUND for drain, open and close-sessions; a blank reason is 400; nothing audited', async () => {
  const { rig, maintenance, asked } = await setup();
  for (const attempt of [() => maintenance.drain('admin', 'nope'), () => maintenance.open('admin', 'nope'), () => maintenance.closeSessions('admin', 'nope', 'why')]) {
    await expect(attempt()).rejects.toMatchObject({ status: 404, code: 'SERVER_NOT_FOUND' });
  }
  await expect(maintenance.closeSessions('admin', 'ws1', '   ')).rejects.toMatchObject({ status: 400, code: 'INVALID_BODY' });
  expect([rig.events, asked]).toEqual([[], []]);
});

test("ok: close-sessions closes every session on the host with the reason, reports the ones that failed, and leaves other hosts' sessions", async () => {
  const { rig, maintenance, asked } = await setup();
  const result = await maintenance.closeSessions('admin', 'ws1', 'host retired');
  expect(result).toEqual({ closed: ['gone', 's1'], failed: [{ sessionId: 'broken', code: 'AGENT_UNREACHABLE', message: 'agent on ws1 did not answer within 30000 ms' }] });
  expect(asked.map((call) => call.sessionId).sort()).toEqual(['broken', 'gone', 's1']);
  expect(asked.every((call) => call.admin === 'admin' && call.reason === 'host retired')).toBe(true);
  expect(rig.state.sessionsOn('ws1').map((session) => session.id)).toEqual(['broken', 'gone']);
  expect(rig.state.session('elsewhere')).toBeDefined();
  expect(rig.events).toEqual([{ type: 'server.close-sessions', actor: 'admin', target: 'ws1', outcome: 'failure', detail: 'host retired; 2 closed, 1 failed (broken)' }]);
  expect(await maintenance.closeSessions('admin', 'ws2', 'empty it')).toEqual({ closed: ['elsewhere'], failed: [] });
});
