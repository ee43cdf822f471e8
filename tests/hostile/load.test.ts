import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveAgent, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { errorLines, expectHealthy, ForeignCpu, mulberry32, percentile, pool, SimAgent } from '../helpers/hostile.ts';
import { call, eventually, type Call } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * Load: many agents, enrolled for real (register -> approve -> certificate), post updates over mTLS
 * while 50 users log in, start sessions on a pool of real agents (dcv simulator), fetch servers and
 * connection tokens and have them verified, for a fixed time. No request fails, no session is lost,
 * and each request class's p99 stays within 3x of the same class measured idle.
 *
 * CI defaults keep the suite short on 2 cores; the full run is
 *   DCVIX_LOAD_AGENTS=1000 DCVIX_LOAD_SECONDS=60 bun test --timeout 300000 tests/hostile/load.test.ts
 * DCVIX_LOAD_UPDATE_MS sets each simulated agent's update interval (default: 25 ms x agents, about 40
 * updates/s in all; production agents update every 30 s).
 */
const AGENTS = Number(process.env.DCVIX_LOAD_AGENTS ?? 200);
const SECONDS = Number(process.env.DCVIX_LOAD_SECONDS ?? 15);
const USERS = Number(process.env.DCVIX_LOAD_USERS ?? 50);
/** Each agent's update interval: by default ~40 updates/s in all (200 agents: 5 s; 1,000: 25 s, near the production 30 s). */
const UPDATE_MS = Number(process.env.DCVIX_LOAD_UPDATE_MS ?? AGENTS * 25);
/** Latencies below this are scheduling noise on a shared 2-core machine, not a regression. */
const NOISE_FLOOR_MS = Number(process.env.DCVIX_LOAD_NOISE_FLOOR_MS ?? 20);
/** Foreign CPU (cores, average) above which the machine is too busy for the 3x comparison. */
const FOREIGN_CPU_LIMIT = Number(process.env.DCVIX_LOAD_FOREIGN_CPU_LIMIT ?? 0.3);
const REAL_AGENTS = ['load-real-1', 'load-real-2'];

const users = Array.from({ length: USERS }, (_, i) => `u${String(i).padStart(2, '0')}`);
const passwords = Object.fromEntries(users.map((u) => [u, `pw-${u}`]));

let director: DirectorHandle;
const reals: AgentHandle[] = [];
let admin: string;
let fleet: SimAgent[] = [];

type Op = 'update' | 'login' | 'servers' | 'create' | 'token' | 'verify';
class Recorder {
  readonly ms = new Map<Op, number[]>();
  readonly errors: string[] = [];
  async time(op: Op, fn: () => Promise<Call>, ok: (r: Call) => boolean = (r) => r.status === 200): Promise<Call | undefined> {
    const started = performance.now();
    let response: Call;
    try {
      response = await fn();
    } catch (err) {
      this.errors.push(`${op}: ${(err as Error).message}`);
      return undefined;
    }
    const list = this.ms.get(op) ?? [];
    list.push(performance.now() - started);
    this.ms.set(op, list);
    if (!ok(response)) this.errors.push(`${op}: ${response.status} ${response.text.slice(0, 200)}`);
    return response;
  }
  p99(op: Op): number {
    return percentile(this.ms.get(op) ?? [], 99);
  }
}

beforeAll(async () => {
  const policyUsers = Object.fromEntries(users.map((u) => [u, { servers: [], pools: ['real'] }]));
  director = await startDirector({
    users: passwords,
    // Every simulated agent enrols from 127.0.0.1: lift the per-address registration limit.
    config: { register_rate_per_minute: 100_000 },
    policy: { users: { admins: ['admin'], users: policyUsers, groups: {} }, pools: { pools: { real: { description: 'load pool', servers: REAL_AGENTS } } } },
  });
  for (const hostname of REAL_AGENTS) {
    const agent = await startAgent(director.url, { config: { hostname, update_interval: '1s', idle_timeout: 0 } });
    admin = (await approveAgent(director, agent)).adminCookie;
    reals.push(agent);
  }
  fleet = await Promise.all(Array.from({ length: AGENTS }, (_, i) => SimAgent.create(`sim-${String(i).padStart(4, '0')}`)));
  await pool(fleet, 16, (a) => a.enrol(director, admin));
}, 180_000);

afterAll(async () => {
  await Promise.all(reals.map((a) => a.stop()));
  await director?.stop();
  cleanupTempDirs();
});

/** The session a simulated agent reports: one per agent, owned by one of the users. */
const simSession = (i: number) => ({ id: `sim-${i}`, owner: users[i % users.length]! });

describe('load', () => {
  test(`ok: ${AGENTS} agents updating every ${UPDATE_MS} ms while ${USERS} users work for ${SECONDS} s`, async () => {
    const rnd = mulberry32(0x10ad);
    const url = director.url;
    const ca = director.caPem;
    const userSession = new Map<string, { id: string; serverId: string; cookie: string }>();

    // Every agent reports once first: the director knows the whole fleet before anything is measured.
    await pool(fleet, 16, async (agent, index) => {
      const response = await agent.update(url, agent.updateBody([simSession(index)]));
      if (response.status !== 200) throw new Error(`first update ${agent.hostname}: ${response.status} ${response.text}`);
    });

    // --- Idle: the same request classes, one at a time, nothing else running. Measured before and
    // after the load; the larger is the baseline, so a neighbour's burst on a shared CI machine moves
    // the baseline too instead of failing the test.
    const measureIdle = async (idle: Recorder, who: string[], create: boolean) => {
      for (let index = 0; index < Math.min(60, fleet.length); index++) await idle.time('update', () => fleet[index]!.update(url, fleet[index]!.updateBody([simSession(index)])));
      for (const userName of who) {
        const response = await idle.time('login', () => call(`${url}/v1/user/login`, { method: 'POST', ca, json: { userID: userName, password: passwords[userName] } }));
        const cookie = response!.headers.get('set-cookie')!.split(';')[0]!;
        for (let index = 0; index < 6; index++) await idle.time('servers', () => call(`${url}/v1/user/servers`, { ca, cookie }));
        if (create) {
          const response = await idle.time('create', () => call(`${url}/v1/user/sessions`, { method: 'POST', ca, cookie, json: { poolId: 'real', sessionType: 'virtual' } }));
          userSession.set(userName, { id: response!.json.session.id, serverId: response!.json.session.serverId, cookie });
        }
        for (let index = 0; index < 4; index++) {
          const response = await idle.time('token', () => call(`${url}/v1/user/connectiontoken?sessionId=${userSession.get(userName)!.id}`, { ca, cookie }));
          await idle.time(
            'verify',
            () => call(`${url}/v1/user/authtokenverify`, { method: 'POST', ca, body: new URLSearchParams({ sessionId: userSession.get(userName)!.id, authenticationToken: response!.json.token }) }),
            (r) => r.text.startsWith('<auth result="yes"'),
          );
        }
      }
    };
    const idleBefore = new Recorder();
    await measureIdle(idleBefore, users.slice(0, 5), true);
    expect(idleBefore.errors).toEqual([]);

    // --- Load.
    const load = new Recorder();
    const foreign = new ForeignCpu();
    foreign.start();
    const end = Date.now() + SECONDS * 1000;
    const lags: number[] = [];
    let lastTick = performance.now();
    const lagTimer = setInterval(() => {
      const now = performance.now();
      lags.push(now - lastTick - 10);
      lastTick = now;
    }, 10);
    const agentLoops = fleet.map(async (agent, index) => {
      await Bun.sleep(rnd() * UPDATE_MS);
      while (Date.now() < end) {
        await load.time('update', () => agent.update(url, agent.updateBody([simSession(index)])));
        await Bun.sleep(Math.min(UPDATE_MS * (0.9 + rnd() * 0.2), Math.max(0, end - Date.now())));
      }
    });
    // No session is lost at any moment: every few seconds every agent's session and every user's
    // session created so far must be listed.
    const watch = (async () => {
      while (Date.now() < end) {
        await Bun.sleep(3000);
        // What must be listed is fixed before asking, so a session created meanwhile is not "missing".
        const expected = [...fleet.map((_, i) => simSession(i).id), ...[...userSession.values()].map((x) => x.id)];
        const response = await call(`${url}/v1/sessions`, { ca, cookie: admin });
        if (response.status !== 200) {
          load.errors.push(`sessions list: ${response.status}`);
          continue;
        }
        const ids = new Set((response.json.sessions as { id: string }[]).map((x) => x.id));
        const missing = expected.filter((id) => !ids.has(id));
        if (missing.length) load.errors.push(`sessions missing at ${Math.round(end - Date.now())} ms before the end: ${missing.slice(0, 5).join(' ')} (${missing.length})`);
      }
    })();
    // Users arrive over the first 80 % of the run, not all in the same second.
    const userLoops = users.map(async (userName) => {
      await Bun.sleep(rnd() * SECONDS * 800);
      let cookie = userSession.get(userName)?.cookie;
      if (!cookie) {
        const response = await load.time('login', () => call(`${url}/v1/user/login`, { method: 'POST', ca, json: { userID: userName, password: passwords[userName] } }));
        cookie = response?.headers.get('set-cookie')?.split(';')[0];
        if (!cookie) return;
      }
      const response = await load.time('create', () => call(`${url}/v1/user/sessions`, { method: 'POST', ca, cookie, json: { poolId: 'real', sessionType: 'virtual' } }));
      if (response?.status !== 200) return;
      const mine = { id: response.json.session.id as string, serverId: response.json.session.serverId as string, cookie };
      const known = userSession.get(userName);
      if (known && known.id !== mine.id) load.errors.push(`${userName}: reconnect gave ${mine.id}, not ${known.id}`);
      userSession.set(userName, mine);
      while (Date.now() < end) {
        await Bun.sleep(Math.min(300 + rnd() * 400, Math.max(0, end - Date.now())));
        if (Date.now() >= end) break;
        const pick = rnd();
        if (pick < 0.45) await load.time('servers', () => call(`${url}/v1/user/servers`, { ca, cookie }));
        else if (pick < 0.8) {
          const response = await load.time('token', () => call(`${url}/v1/user/connectiontoken?sessionId=${mine.id}&serverId=${mine.serverId}`, { ca, cookie }));
          if (response?.status === 200)
            await load.time(
              'verify',
              () => call(`${url}/v1/user/authtokenverify`, { method: 'POST', ca, body: new URLSearchParams({ sessionId: mine.id, authenticationToken: response.json.token }) }),
              (r) => r.text.startsWith('<auth result="yes"'),
            );
        } else if (pick < 0.9) {
          const again = await load.time('create', () => call(`${url}/v1/user/sessions`, { method: 'POST', ca, cookie, json: { poolId: 'real', sessionType: 'virtual' } }));
          if (again?.status === 200 && (again.json.session.id !== mine.id || !again.json.reconnected)) load.errors.push(`${userName}: second start did not reconnect to ${mine.id}`);
        } else {
          const response = await load.time('login', () => call(`${url}/v1/user/login`, { method: 'POST', ca, json: { userID: userName, password: passwords[userName] } }));
          cookie = response?.headers.get('set-cookie')?.split(';')[0] ?? cookie;
        }
      }
    });
    await Promise.all([...agentLoops, ...userLoops, watch]);
    const foreignCores = foreign.stop();
    clearInterval(lagTimer);
    // Idle again (sessions exist now, so no creates): the larger p99 of the two is the baseline.
    const idleAfter = new Recorder();
    await measureIdle(idleAfter, users.slice(5, 10), false);
    expect(idleAfter.errors).toEqual([]);
    const idleP99 = (op: Op) => Math.max(idleBefore.p99(op), idleAfter.ms.has(op) ? idleAfter.p99(op) : 0);

    const report = (['update', 'login', 'servers', 'create', 'token', 'verify'] as Op[]).map((op) => ({
      op,
      idleP99: Math.round(idleP99(op) * 10) / 10,
      loadP99: Math.round(load.p99(op) * 10) / 10,
      loadP50: Math.round(percentile(load.ms.get(op) ?? [], 50) * 10) / 10,
      n: load.ms.get(op)?.length ?? 0,
    }));
    // The test's own event-loop lag tells whether the load generator, not the director, was the bottleneck.
    if (process.env.DCVIX_HOSTILE_DEBUG)
      console.error(JSON.stringify(report), `foreign CPU ${foreignCores.toFixed(2)} cores; test event-loop lag p99 ${percentile(lags, 99).toFixed(1)} ms, max ${Math.max(...lags).toFixed(1)} ms`);

    // No error, and real work was done.
    expect(load.errors.slice(0, 20)).toEqual([]);
    expect(userSession.size).toBe(USERS);
    expect(load.ms.get('update')!.length).toBeGreaterThanOrEqual(Math.floor(AGENTS * ((SECONDS * 1000) / UPDATE_MS) * 0.7));

    // No lost session: every user's and every agent's session is listed, on the right server.
    const listed = await eventually(
      async () => {
        const response = await call(`${url}/v1/sessions`, { ca, cookie: admin });
        const byId = new Map((response.json.sessions as { id: string; serverId: string; owner: string }[]).map((s) => [s.id, s]));
        return [...userSession.values()].every((s) => byId.get(s.id)?.serverId === s.serverId) ? byId : undefined;
      },
      5000,
      'every user session listed',
    );
    const lost = fleet.map((a, i) => (listed.get(simSession(i).id)?.serverId === a.hostname ? undefined : a.hostname)).filter(Boolean);
    expect(lost).toEqual([]);
    const onHosts = reals.flatMap((a) => JSON.parse(readFileSync(join(a.dir, 'dcv-state.json'), 'utf8')).sessions.map((s: { id: string }) => s.id));
    expect(onHosts.sort()).toEqual([...userSession.values()].map((s) => s.id).sort());

    // p99 within 3x of idle, class by class. When other jobs took a real share of this (2-core) machine
    // during the run, latency says more about them than about the director: then only a stall of
    // seconds fails the test, and the figures are printed for whoever looks.
    const quiet = foreignCores <= FOREIGN_CPU_LIMIT;
    if (!quiet) console.warn(`load: other processes used ${foreignCores.toFixed(2)} cores during the run; p99 compared with a 5 s ceiling only: ${JSON.stringify(report)}`);
    for (const row of report) {
      const budget = quiet ? 3 * Math.max(row.idleP99, NOISE_FLOOR_MS) : 5000;
      expect({ op: row.op, withinBudget: row.loadP99 <= budget }, `${JSON.stringify(row)} budget ${budget} ms`).toEqual({ op: row.op, withinBudget: true });
    }

    await expectHealthy(director, 'after load');
    expect(errorLines(director.proc.lines)).toEqual([]);
  }, 240_000);
});
