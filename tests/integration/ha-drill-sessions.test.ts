/**
 * HA drill, sessions: two directors on one PostgreSQL behind HAProxy, agents with the dcv simulator
 * whose updates arrive 300 ms after they were built (a lag proxy), so updates listing a session keep
 * arriving after it was closed, and updates not yet listing a new one arrive after it was created.
 * What must hold on every try, not on most: a session closed is never handed back, and a session
 * created through one director is vouched for by both from the moment its create answered.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { TEST_USERS } from '../helpers/dcvix.ts';
import { drillPolicy, startDrill, userNames, type Drill, type DrillHost, type Target } from '../helpers/ha-drill.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

const TRIES = 100;
const VERIFY_USERS = userNames('v', TRIES);
const POLICY = drillPolicy({ close: ['dr-c0', 'dr-c1'], verify: ['dr-v0'] }, { alice: ['close'], ...Object.fromEntries(VERIFY_USERS.map((name) => [name, ['verify']])) });
let drill: Drill;
let closeHosts: DrillHost[];
let verifyHost: DrillHost;

describeWith(['haproxy', 'postgresql'], 'HA drill: sessions on two directors', () => {
  beforeAll(async () => {
    // Four uses per connection token: the verifier is asked twice at the create and twice at the end.
    drill = await startDrill({ policy: POLICY, config: { connection_token_max_uses: 4 } });
    // Updates through HAProxy; a connection left idle is closed so the next update may reach the other director.
    closeHosts = [await drill.startHost('dr-c0', { via: 'lb', lagMs: 300, closeIdleMs: 100 }), await drill.startHost('dr-c1', { via: 'lb', lagMs: 300, closeIdleMs: 100 })];
    // Every update of this host goes to B, every second, while its users go to A.
    verifyHost = await drill.startHost('dr-v0', { via: 'b', lagMs: 300 });
  }, 90_000);
  afterAll(async () => {
    await drill?.stop();
    cleanupTempDirs();
  });

  test(`ok: a session closed and created again within 0.1 s is never handed back (${TRIES} tries, through HAProxy and alternating directors)`, async () => {
    const alice = await drill.login('lb', 'alice', TEST_USERS.alice!);
    const create = (target: Target) => drill.call(target, '/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'close', sessionType: 'virtual' } });
    const first = await create('lb');
    expect(first.status).toBe(200);
    let current = first.json.session.id as string;
    const tries: { closeOn: Target; createOn: Target; closeStatus: number; gapMs: number; status: number; id?: string; reconnected?: boolean; closed: string }[] = [];
    for (let index = 0; index < TRIES; index++) {
      // Even tries through HAProxy (a new connection each call: it picks the director); odd ones close on one director, create on the other.
      const [closeOn, createOn]: [Target, Target] = index % 2 === 0 ? ['lb', 'lb'] : index % 4 === 1 ? ['a', 'b'] : ['b', 'a'];
      const closed = await drill.call(closeOn, `/v1/user/sessions/${current}`, { method: 'DELETE', cookie: alice });
      const closedAt = performance.now();
      const answer = create(createOn);
      const gapMs = performance.now() - closedAt;
      const again = await answer;
      tries.push({ closeOn, createOn, closeStatus: closed.status, gapMs, status: again.status, id: again.json?.session?.id, reconnected: again.json?.reconnected, closed: current });
      if (again.status === 200) current = again.json.session.id;
    }
    const wrong = tries.filter((t) => t.closeStatus !== 200 || t.status !== 200 || t.reconnected !== false || t.id === t.closed);
    const handedBack = tries.filter((t) => t.reconnected === true && t.id === t.closed);
    console.log(
      `close-then-create: ${tries.length} tries, ${handedBack.length} answered with the closed session, ${wrong.length} wrong in any way, longest gap close answer -> create sent ${Math.max(...tries.map((t) => t.gapMs)).toFixed(1)} ms`,
    );
    expect(Math.max(...tries.map((t) => t.gapMs))).toBeLessThan(100);
    expect(wrong).toEqual([]);
    // Updates of both hosts reached both directors while the tries ran (the lag proxy closes idle connections).
    for (const host of closeHosts) for (const target of ['a', 'b'] as const) expect(drill.updatesFrom(target, host).filter((u) => u.status === 200).length).toBeGreaterThan(0);
    // Nothing came back afterwards either: alice holds the last session only, on both directors and on the hosts.
    await Bun.sleep(1500);
    for (const target of ['a', 'b'] as const) {
      const servers = await drill.call(target, '/v1/user/servers', { cookie: alice });
      expect(servers.json.pools.find((p: { id: string }) => p.id === 'close').sessions.map((s: { id: string }) => s.id)).toEqual([current]);
    }
    const calls = closeHosts.flatMap((host) => host.dcvCalls());
    expect(calls.filter((c) => c.argv[0] === 'create-session').length).toBe(TRIES + 1);
    expect(calls.filter((c) => c.argv[0] === 'close-session').length).toBe(TRIES);
  }, 120_000);

  test(`ok: ${TRIES} sessions created through A are verified yes by A and B from the create answer on, while B takes their host's updates every second`, async () => {
    const cookies = new Map<string, string>();
    for (let start = 0; start < VERIFY_USERS.length; start += 10) {
      await Promise.all(VERIFY_USERS.slice(start, start + 10).map(async (name) => cookies.set(name, await drill.login('a', name, POLICY.passwords[name]!))));
    }
    const verify = (target: Target, sessionId: string, token: string) =>
      drill.call(target, '/v1/user/authtokenverify', { method: 'POST', form: { sessionId, authenticationToken: token, clientAddress: '192.0.2.7' } });
    const made: { user: string; id: string; token: string }[] = [];
    const wrong: { user: string; step: string; status: number; text: string }[] = [];
    for (const user of VERIFY_USERS) {
      const cookie = cookies.get(user)!;
      const created = await drill.call('a', '/v1/user/sessions', { method: 'POST', cookie, json: { poolId: 'verify', sessionType: 'virtual' } });
      if (created.status !== 200 || created.json.reconnected !== false) {
        wrong.push({ user, step: 'create on A', status: created.status, text: created.text.slice(0, 300) });
        continue;
      }
      const id = created.json.session.id as string;
      const connection = await drill.call('a', `/v1/user/sessions/${id}/connection`, { cookie });
      if (connection.status !== 200) {
        wrong.push({ user, step: 'connection on A', status: connection.status, text: connection.text.slice(0, 300) });
        continue;
      }
      const token = connection.json.authToken as string;
      made.push({ user, id, token });
      const yes = `<auth result="yes"><username>${user}</username></auth>`;
      const onB = await verify('b', id, token);
      if (onB.text !== yes) wrong.push({ user, step: 'verifier on B', status: onB.status, text: onB.text });
      const onA = await verify('a', id, token);
      if (onA.text !== yes) wrong.push({ user, step: 'verifier on A', status: onA.status, text: onA.text });
      const connectionOnB = await drill.call('b', `/v1/user/sessions/${id}/connection`, { cookie });
      if (connectionOnB.status !== 200) wrong.push({ user, step: 'connection on B', status: connectionOnB.status, text: connectionOnB.text.slice(0, 300) });
    }
    const updatesOnB = drill.updatesFrom('b', verifyHost).filter((u) => u.status === 200).length;
    console.log(
      `create on A then verify: ${made.length} sessions, ${wrong.length} wrong answers (${[...new Set(wrong.map((w) => w.step))].join(', ') || 'none'}), ${updatesOnB} updates of ${verifyHost.hostname} taken by B`,
    );
    expect(wrong).toEqual([]);
    expect(made.length).toBe(TRIES);
    // B took this host's updates all along; A never saw one.
    expect(updatesOnB).toBeGreaterThan(10);
    expect(drill.updatesFrom('a', verifyHost)).toEqual([]);
    // Two more updates later, every session is still vouched for by both directors.
    await Bun.sleep(2500);
    const later: string[] = [];
    for (const { user, id, token } of made) {
      for (const target of ['a', 'b'] as const) if ((await verify(target, id, token)).text !== `<auth result="yes"><username>${user}</username></auth>`) later.push(`${id} on ${target}`);
    }
    expect(later).toEqual([]);
  }, 120_000);

  test('rejects: one session id sent by admins to A and B at once: one director makes it, the other answers 409 SESSION_EXISTS (20 tries)', async () => {
    const pairs: { sessionId: string; answers: string[] }[] = [];
    for (let index = 0; index < 20; index++) {
      const sessionId = `drill-admin-${String(index).padStart(2, '0')}`;
      const json = { serverId: 'dr-c1', userId: 'alice', sessionType: 'virtual', sessionId };
      const answers = await Promise.all((['a', 'b'] as const).map((target) => drill.call(target, '/v1/sessions', { method: 'POST', cookie: drill.admin, json })));
      pairs.push({ sessionId, answers: answers.map((r) => `${r.status} ${r.json?.error?.code ?? r.json?.session?.id}`).sort() });
    }
    const wrong = pairs.filter((pair) => pair.answers.join() !== `200 ${pair.sessionId},409 SESSION_EXISTS`);
    console.log(`admin creates of one id on A and B at once: ${pairs.length} pairs, ${wrong.length} not answered 200 + 409 SESSION_EXISTS`);
    expect(wrong).toEqual([]);
    // The host was asked once per id.
    const runs = closeHosts[1]!.dcvCalls().filter((run) => run.argv[0] === 'create-session' && run.argv.at(-1)!.startsWith('drill-admin-'));
    expect(runs.map((run) => run.argv.at(-1)).sort()).toEqual(pairs.map((pair) => pair.sessionId));
  }, 60_000);
});
