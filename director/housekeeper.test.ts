import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySchema } from '../shared/config-schema.ts';
import { FakeClock } from '../shared/clock.ts';
import { silentLogger } from '../shared/log.ts';
import { createCsr } from '../agent/identity/ed25519-csr.ts';
import { generateEd25519 } from '../shared/pki/keys.ts';
import { agentCn } from '../shared/pki/names.ts';
import type { AgentService } from './agents/service.ts';
import { openAuthority } from './ca/authority.ts';
import { directorSchema } from './config/schema.ts';
import { Housekeeper } from './housekeeper.ts';
import { testAgentService } from '../tests/helpers/agent-service.ts';
import { fleetHarness } from '../tests/helpers/fleet-harness.ts';

/** Timers that fire only when the test says so, after moving the fake clock. */
function fakeTimers(clock: FakeClock) {
  const intervals: { fn: () => void; ms: number; next: number }[] = [];
  return {
    intervals,
    timers: {
      setInterval: (fn: () => void, ms: number) => intervals.push({ fn, ms, next: clock.now() + ms }),
      clearInterval: () => {},
    },
    /** Moves the clock by `ms` in one-second steps, firing every interval that comes due. */
    advance(ms: number) {
      for (let left = ms; left > 0; left -= 1000) {
        clock.advance(Math.min(1000, left));
        for (const timer of intervals) while (timer.next <= clock.now()) (timer.next += timer.ms), timer.fn();
      }
    },
  };
}

test('ok: with the default config, sessions no update confirmed for 40 s go and pending registrations go after the hourly sweep', async () => {
  const config = applySchema(directorSchema, {}, 'defaults');
  expect([config.session_stale_after, config.pending_cleanup_interval]).toEqual([40_000, 3_600_000]);
  const clock = new FakeClock(Date.now());
  const fleet = fleetHarness({ kind: 'sqlite' }, { clock, startedAt: clock.now() - 3_600_000 });
  const ca = await openAuthority({ dataDir: mkdtempSync(join(tmpdir(), 'dcvix-hk-')), hostnames: [], clock });
  const agents = testAgentService(fleet.agents, ca, clock, { record: () => {}, list: async () => [] });
  const fake = fakeTimers(clock);
  const keeper = new Housekeeper({
    agents,
    fleet: fleet.fleet,
    log: silentLogger,
    intervalMs: config.housekeeper_interval,
    sessionStaleAfterMs: config.session_stale_after,
    pendingCleanupIntervalMs: config.pending_cleanup_interval,
    pendingMaxAgeMs: config.pending_max_age,
    timers: fake.timers,
  });
  keeper.start();
  expect(fake.intervals.map((t) => t.ms)).toEqual([config.housekeeper_interval, 3_600_000]);

  await fleet.registerAgent('g1', 'ws1');
  await fleet.report('g1', 'ws1', [{ id: 's1' }]);
  fake.advance(39_000);
  await Bun.sleep(1);
  expect(fleet.state.session('s1')).toBeDefined();
  fake.advance(11_000); // 50 s: the 10 s sweep after the 40 s mark has run
  await Bun.sleep(1);
  expect(fleet.state.session('s1')).toBeUndefined();

  const guid = crypto.randomUUID();
  const csr = Buffer.from(await createCsr(await generateEd25519(), agentCn(guid))).toString('base64');
  await agents.register({ guid, hostname: 'ws2', csr, remoteAddress: '127.0.0.1' }).catch(() => {});
  fake.advance(7 * 86_400_000 - 60_000);
  expect((await agents.get(guid))?.state).toBe('pending');
  // Past the 7-day age, gone by the next hourly sweep at the latest, not before the age.
  fake.advance(3_600_000 + 60_000);
  expect(await agents.get(guid)).toBeUndefined();
  keeper.stop();
});

test('ok: the pending clean-up runs on the leader only (several directors on one store)', async () => {
  const keeper = (isLeader: () => boolean) => {
    const purged: number[] = [];
    const agents = { purgeStalePending: async (age: number) => (purged.push(age), 2) } as unknown as AgentService;
    const housekeeper = new Housekeeper({
      agents,
      fleet: { sweep: async () => ({ stale: [], settled: 0, abandoned: 0, purged: 0 }) },
      log: silentLogger,
      intervalMs: 1000,
      sessionStaleAfterMs: 1000,
      pendingCleanupIntervalMs: 1000,
      pendingMaxAgeMs: 5000,
      isLeader,
    });
    return { h: housekeeper, purged };
  };
  const follower = keeper(() => false);
  expect(await follower.h.sweepPending()).toBe(0);
  expect(follower.purged).toEqual([]);
  const leader = keeper(() => true);
  expect(await leader.h.sweepPending()).toBe(2);
  expect(leader.purged).toEqual([5000]);
});

test('ok: the store sweep deletes stale shares on the leader only', async () => {
  let leader = false;
  let purged = 0;
  const keeper = new Housekeeper({
    agents: {} as AgentService,
    fleet: { sweep: async () => ({ stale: [], settled: 0, abandoned: 0, purged: 0 }) },
    log: silentLogger,
    intervalMs: 1000,
    sessionStaleAfterMs: 40_000,
    pendingCleanupIntervalMs: 3_600_000,
    pendingMaxAgeMs: 86_400_000,
    isLeader: () => leader,
    shares: { purgeStale: async () => ++purged },
  });
  expect(await keeper.sweepStores()).toEqual({ audit: 0, revocations: 0, shares: 0 });
  leader = true;
  expect(await keeper.sweepStores()).toEqual({ audit: 0, revocations: 0, shares: 1 });
});
