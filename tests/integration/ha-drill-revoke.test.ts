/**
 * HA drill, revocation: two directors on one PostgreSQL behind HAProxy, three hosts in one pool whose
 * agents update through HAProxy (300 ms late, over new connections, so both directors take them),
 * users creating and closing sessions through both directors without pause. An admin revokes one
 * host's agent; from the moment that answer arrives no director may place a session there or take an
 * update from it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { drillPolicy, startDrill, userNames, type Drill, type DrillHost, type Target } from '../helpers/ha-drill.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

const HOSTS = ['dr-r0', 'dr-r1', 'dr-r2'];
const USERS = userNames('k', 6);
const POLICY = drillPolicy({ work: HOSTS }, { alice: ['work'], ...Object.fromEntries(USERS.map((name) => [name, ['work']])) });
let drill: Drill;
let hosts: DrillHost[];

/** One user's create as the loop sent it: when, through which director, and the answer. */
interface Create {
  user: string;
  target: Target;
  sentAt: number;
  answeredAt: number;
  status: number;
  serverId?: string;
  code?: string;
}

describeWith(['haproxy', 'postgresql'], 'HA drill: revoking an agent while users place sessions', () => {
  beforeAll(async () => {
    drill = await startDrill({ policy: POLICY });
    hosts = [];
    for (const name of HOSTS) hosts.push(await drill.startHost(name, { via: 'lb', lagMs: 300, closeIdleMs: 100 }));
  }, 90_000);
  afterAll(async () => {
    await drill?.stop();
    cleanupTempDirs();
  });

  test('ok: once a revoke answered, no create sent afterwards lands on that host and neither director takes its updates', async () => {
    const [revoked] = hosts as [DrillHost];
    // A session an admin placed on every host (so the revoke needs force and leaves an orphan, and placement still spreads evenly).
    const held = await Promise.all(
      hosts.map((host) => drill.call('a', '/v1/sessions', { method: 'POST', cookie: drill.admin, json: { serverId: host.hostname, userId: 'alice', sessionType: 'virtual' } })),
    );
    expect(held.map((r) => r.status)).toEqual([200, 200, 200]);
    const cookies = new Map(await Promise.all(USERS.map(async (name) => [name, await drill.login('lb', name, POLICY.passwords[name]!)] as const)));
    const creates: Create[] = [];
    /** The host of the session each user holds now: a new session is used for 0.4 s, then created again (a reconnect) and closed. */
    const holding = new Map<string, string | undefined>();
    let running = true;
    const loop = async (user: string, offset: number) => {
      const cookie = cookies.get(user)!;
      for (let round = offset; running; round++) {
        const target = (['lb', 'a', 'b'] as const)[round % 3]!;
        const sentAt = Date.now();
        const answer = await drill.call(target, '/v1/user/sessions', { method: 'POST', cookie, json: { poolId: 'work', sessionType: 'virtual' } });
        const session = answer.json?.session as { id: string; serverId: string } | undefined;
        creates.push({ user, target, sentAt, answeredAt: Date.now(), status: answer.status, serverId: session?.serverId, code: answer.json?.error?.code });
        holding.set(user, session?.serverId);
        if (!session) continue;
        if (!answer.json.reconnected) {
          await Bun.sleep(400);
          continue;
        }
        // Closed through another director (404 when the revoke orphaned it meanwhile).
        holding.delete(user);
        await drill.call((['a', 'b', 'lb'] as const)[round % 3]!, `/v1/user/sessions/${session.id}`, { method: 'DELETE', cookie });
      }
    };
    const loops = USERS.map((user, index) => loop(user, index));
    // The servers lists of both directors, sampled all along.
    const listed: { at: number; target: 'a' | 'b'; ids: string[] }[] = [];
    const sampling = (async () => {
      while (running) {
        for (const target of ['a', 'b'] as const) {
          const servers = await drill.call(target, '/v1/servers', { cookie: drill.admin });
          listed.push({ at: Date.now(), target, ids: servers.json.servers.map((s: { id: string }) => s.id) });
        }
        await Bun.sleep(100);
      }
    })();
    await Bun.sleep(2500);
    // Revoke while a user of the loop holds a session there: their next create must not get it back.
    for (const until = Date.now() + 10_000; ![...holding.values()].includes(revoked.hostname); await Bun.sleep(10)) {
      if (Date.now() > until) throw new Error(`no user of the loop got a session on ${revoked.hostname}`);
    }
    const holders = [...holding].filter(([, serverId]) => serverId === revoked.hostname).map(([user]) => user);
    const revoke = await drill.call('a', `/v1/admin/agents/${revoked.guid}/revoke`, { method: 'POST', cookie: drill.admin, json: { force: true } });
    const revokedAt = Date.now();
    expect(revoke.status).toBe(200);
    // At least 4 s after the revoke, and on until every way in took a few creates (a busy machine is slower).
    const sentAfter = (target: string) => creates.filter((c) => c.sentAt > revokedAt && c.target === target).length;
    for (const until = revokedAt + 20_000; Date.now() < revokedAt + 4000 || (Date.now() < until && !['lb', 'a', 'b'].every((target) => sentAfter(target) > 3)); ) await Bun.sleep(100);
    running = false;
    await Promise.all([...loops, sampling]);

    const before = creates.filter((c) => c.sentAt < revokedAt);
    const after = creates.filter((c) => c.sentAt > revokedAt);
    const placedThere = after.filter((c) => c.status !== 200 || c.serverId === revoked.hostname);
    // A create-session the host ran after the revoke answered: only the one a user had in flight then.
    const lateRuns = revoked
      .dcvCalls()
      .filter((run) => run.argv[0] === 'create-session' && run.at > revokedAt)
      .map((run) => {
        const owner = run.argv[run.argv.indexOf('--owner') + 1];
        const request = creates.find((x) => x.user === owner && x.sentAt <= run.at && run.at <= x.answeredAt);
        return { owner, at: run.at, requestSentBeforeRevoke: !!request && request.sentAt < revokedAt };
      });
    const updates = (['a', 'b'] as const).flatMap((target) => drill.updatesFrom(target, revoked).map((u) => ({ ...u, target })));
    const acceptedLate = updates.filter((u) => u.arrivedAt > revokedAt && u.status === 200);
    const listedLate = listed.filter((sample) => sample.at > revokedAt && sample.ids.includes(revoked.hostname));
    console.log(
      `revoke drill: ${before.length} creates before the revoke (${before.filter((c) => c.serverId === revoked.hostname).length} on ${revoked.hostname}), ${after.length} after (${placedThere.length} wrong), ` +
        `${lateRuns.length} create-session runs there after it (${lateRuns.filter((r) => !r.requestSentBeforeRevoke).length} for later requests), ` +
        `updates from it after: ${updates.filter((u) => u.arrivedAt > revokedAt).length} (${acceptedLate.length} accepted), ${listedLate.length} server lists still showing it`,
    );
    // The drill ran: creates went on through both directors on both sides of the revoke, and the host had taken some.
    expect(before.some((c) => c.serverId === revoked.hostname)).toBe(true);
    expect(after.some((c) => holders.includes(c.user))).toBe(true);
    for (const target of ['lb', 'a', 'b'] as const) expect(after.filter((c) => c.target === target).length).toBeGreaterThan(3);
    expect(placedThere).toEqual([]);
    expect(lateRuns.filter((r) => !r.requestSentBeforeRevoke)).toEqual([]);
    // Its updates kept coming to both directors before the revoke; after it every one was refused.
    for (const target of ['a', 'b'] as const) expect(updates.some((u) => u.target === target && u.arrivedAt < revokedAt && u.status === 200)).toBe(true);
    expect(updates.some((u) => u.arrivedAt > revokedAt)).toBe(true);
    expect(acceptedLate).toEqual([]);
    expect(revoked.agent.proc.lines.some((line) => line.includes('"update failed"') && line.includes('"AGENT_REVOKED"'))).toBe(true);
    // Neither director listed the host among its servers after the revoke; its sessions are orphaned on both.
    expect(listedLate).toEqual([]);
    for (const target of ['a', 'b'] as const) {
      const sessions = (await drill.call(target, '/v1/sessions', { cookie: drill.admin })).json.sessions as { id: string; serverId: string; orphaned?: boolean }[];
      const there = sessions.filter((s) => s.serverId === revoked.hostname);
      expect(there.map((s) => s.id)).toContain(held[0]!.json.session.id);
      expect(there.filter((s) => !s.orphaned)).toEqual([]);
    }
  }, 60_000);
});
