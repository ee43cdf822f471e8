import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchConfig } from '../lib/config.ts';
import { ADMIN, command, prepareDirectorDir, startDirector, type BenchDirector } from '../lib/director.ts';
import type { Fleet, Identity } from '../lib/fleet.ts';
import { call } from '../../scripts/lib/https.ts';
import { round, summarise, type Summary } from '../lib/http.ts';
import { memoryMb, runLoad, settledRss } from '../lib/proc.ts';
import { row, type Figures, type PartResult, type Row } from '../lib/report.ts';

const load = (f: string) => join(import.meta.dir, '..', 'load', f);
const userName = (u: number) => `user${String(u).padStart(5, '0')}`;
const poolName = (p: number) => `pool-${String(p).padStart(3, '0')}`;

/** The users we log in as (the external-command backend reads a password file, so only these). */
const TYPICAL_USER = 42;

/**
 * The scale policy: P pools splitting the servers evenly, plus "everything" = "*"; U users with two
 * servers and three pools each (one of them the pool holding the host their simulated session is
 * on), G groups of U/G members granting one more pool; "starpool" (pool "everything") and
 * "starserver" (servers "*") are the worst cases.
 */
function scalePolicy(hostnames: string[], pools: number, users: number, groups: number) {
  const per = Math.ceil(hostnames.length / pools);
  const poolOfHost = (hostIndex: number) => Math.floor(hostIndex / per);
  const hostCount = hostnames.length;
  const usersByName: Record<string, { servers: string[]; pools: string[] }> = {};
  for (let userIndex = 0; userIndex < users; userIndex++) {
    // updates.ts: the session sN of host index h is owned by user (h * sessionsPerAgent + N); 2 per host.
    const ownHost = Math.floor(userIndex / 2) % hostCount;
    usersByName[userName(userIndex)] = {
      servers: [hostnames[userIndex % hostCount]!, hostnames[(userIndex * 7 + 3) % hostCount]!],
      pools: [...new Set([poolName(poolOfHost(ownHost)), poolName((userIndex * 7) % pools), poolName((userIndex * 13) % pools)])],
    };
  }
  usersByName.starpool = { servers: [], pools: ['everything'] };
  usersByName.starserver = { servers: ['*'], pools: [] };
  const groupsByName: Record<string, { members: string[]; servers: string[]; pools: string[] }> = {};
  for (let groupIndex = 0; groupIndex < groups; groupIndex++) groupsByName[`group-${groupIndex}`] = { members: [], servers: [], pools: [poolName(groupIndex % pools)] };
  for (let userIndex = 0; userIndex < users; userIndex++) groupsByName[`group-${userIndex % groups}`]!.members.push(userName(userIndex));
  const poolsByName: Record<string, { description: string; servers: string[] }> = {};
  for (let poolIndex = 0; poolIndex < pools; poolIndex++) poolsByName[poolName(poolIndex)] = { description: `Pool ${poolIndex}`, servers: hostnames.slice(poolIndex * per, (poolIndex + 1) * per) };
  poolsByName.everything = { description: 'Every server', servers: ['*'] };
  return {
    policy: { users: { admins: [ADMIN.user], users: usersByName, groups: groupsByName }, pools: { pools: poolsByName } },
    ownPool: (user: number) => poolName(poolOfHost(Math.floor(user / 2) % hostCount)),
  };
}

/** A request kind the sequential load process times (bench/load/sequential.ts). */
interface Kind {
  key: string;
  name: string;
  path: string;
  method?: string;
  cookie?: string;
  json?: unknown;
  expectStatus?: number;
  expectText?: string;
}

/** Agents update every 30 s by default (agent config update_interval). */
const CADENCE_S = 30;
/** How long the state RSS is watched after the fleet's first updates (its lowest reading is the figure). */
const STATE_SETTLE_MS = 6000;

interface Once {
  agents: number;
  seconds: number;
  perS: number;
  errors: number;
  firstError: string;
}

/**
 * Part 5 (and part 1's state-size RSS): all enrolled agents report, giving N servers and 2N sessions;
 * then the user server list, pool reconnect and policy reload are timed against that state, and the
 * fleet's steady state: N/30 updates a second over kept-alive connections (the 30 s cadence).
 */
export async function scalePart(cfg: BenchConfig, fleet: Fleet, log: (s: string) => void): Promise<PartResult> {
  const identities: Identity[] = JSON.parse(readFileSync(fleet.identitiesFile, 'utf8'));
  const hostnames = identities.slice(0, cfg.scaleServers).map((i) => i.hostname);
  const groups = Math.max(1, Math.round(cfg.scaleUsers / 500));
  const { policy, ownPool } = scalePolicy(hostnames, cfg.scalePools, cfg.scaleUsers, groups);
  const typical = userName(TYPICAL_USER);
  const passwords = { [typical]: 'pw', starpool: 'pw', starserver: 'pw' };
  // The fleet's data dir already holds the fleet director's policy (the files only seed an empty store):
  // the scale policy is stored first with `policy import`, as an operator would, so the director under
  // measurement starts with it and pays none of the import's transient memory.
  const { configFile } = prepareDirectorDir({ dir: fleet.dir, policy, passwords });
  const imported = Bun.spawnSync([...command('director'), 'policy', 'import', join(fleet.dir, 'users.json'), join(fleet.dir, 'pools.json'), '--config', configFile]);
  if (imported.exitCode !== 0) throw new Error(`policy import: ${imported.stderr.toString().slice(0, 300)}`);
  const director = await startDirector({ dir: fleet.dir, policy, passwords });
  const rows: Row[] = [];
  const figures: Figures = { 'scale.servers': hostnames.length };
  const raw: Record<string, unknown> = { servers: hostnames.length, pools: cfg.scalePools + 1, users: cfg.scaleUsers + 2, groups };
  try {
    raw.policyFileMb = round(statSync(join(director.dir, 'users.json')).size / 1e6, 2);
    raw.idleRssMb = round(memoryMb(director.proc.pid).rss, 1);

    const report = async (offset: number, agents: number) => {
      log(`scale: agents ${offset + 1}-${offset + agents} report ${cfg.sessionsPerAgent} sessions each (new connection per update)`);
      const sent = await runLoad<Once>(load('updates.ts'), {
        port: director.port,
        caPem: director.caPem,
        identitiesFile: fleet.identitiesFile,
        agents,
        offset,
        mode: 'fresh',
        once: true,
        durationS: 0,
        concurrency: 16,
        sessionsPerAgent: cfg.sessionsPerAgent,
        targetPid: director.proc.pid,
      });
      if (sent.errors) throw new Error(`populate: ${sent.errors} failed updates, first: ${sent.firstError}`);
      return sent;
    };
    const admin = await director.login(ADMIN.user, ADMIN.password, 'admin');
    const cookie = async (u: string) => director.login(u, 'pw');
    const timeKinds = async (kinds: Kind[]) => {
      log(`scale: timing ${kinds.map((kind) => kind.key).join(', ')} (${cfg.scaleRequests} requests per kind, at most 12 s each)`);
      const timings = await runLoad<Record<string, Summary & { responseKb: number }>>(load('sequential.ts'), {
        url: director.url,
        caPem: director.caPem,
        kinds,
        count: cfg.scaleRequests,
        maxSeconds: 12,
        warmup: 1,
      });
      for (const kind of kinds) {
        const timing = timings[kind.name]!;
        Object.assign(figures, { [`${kind.key}.p50`]: timing.p50, [`${kind.key}.p99`]: timing.p99 });
        const size = timing.responseKb >= 100 ? `, ${timing.responseKb} KB answer` : '';
        rows.push(row('5 scale', `${kind.name} p50 / p99 (n=${timing.n}${size})`, `${timing.p50} / ${timing.p99}`, 'ms', `${kind.key}.p99`));
      }
      return timings;
    };

    // The server lists are timed over the first scaleListServers servers (the lists' target is for
    // 10,000 servers: a "*" list of 50,000 is a 17 MB answer), then the rest of the fleet reports.
    const listServers = Math.min(cfg.scaleListServers, hostnames.length);
    const first = await report(0, listServers);
    const listed = (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json?.servers?.length as number;
    figures['scale.listServers'] = listed;
    const overServers = `over ${listed} servers`;
    raw.listTimings = await timeKinds([
      // The director's cheapest route over the same client and TLS: the anchor the guard divides these by.
      { key: 'scale.health', name: 'GET /v1/health (anchor: the same client, TLS and bridge, no work)', path: '/v1/health' },
      { key: 'scale.list.typical', name: `GET /v1/user/servers (${typical}: 2 servers, 4 pools; ${overServers})`, path: '/v1/user/servers', cookie: await cookie(typical) },
      { key: 'scale.list.starpool', name: `GET /v1/user/servers (starpool: pool "*" ${overServers})`, path: '/v1/user/servers', cookie: await cookie('starpool') },
      { key: 'scale.list.starserver', name: `GET /v1/user/servers (starserver: servers "*" ${overServers})`, path: '/v1/user/servers', cookie: await cookie('starserver') },
    ]);
    const rest = hostnames.length > listServers ? await report(listServers, hostnames.length - listServers) : undefined;
    const seconds = first.seconds + (rest?.seconds ?? 0);
    const populate = { agents: hostnames.length, seconds: round(seconds, 2), perS: round(hostnames.length / seconds, 1), errors: 0, firstError: '' };
    raw.populate = populate;
    const sessions = await call(`${director.url}/v1/sessions`, { ca: director.caPem, cookie: admin });
    const sessionCount = sessions.json.sessions.length as number;
    raw.sessions = sessionCount;
    // What the state holds, not the garbage of the populate storm: the RSS a snapshot 2 s after the
    // last update read swung 386-539 MB between runs of the same code, with the collector's timing.
    // The figure is the lowest over STATE_SETTLE_MS of idle, sampled; the 2 s reading is kept beside it.
    const settled = await settledRss(director.proc.pid, STATE_SETTLE_MS);
    const mem = { rss: settled.lowest, peak: settled.peak };
    raw.stateRssMb = round(mem.rss, 1);
    raw.stateRssAt2sMb = round(settled.atMark, 1);
    raw.statePeakRssMb = round(mem.peak, 1);
    const label = `${hostnames.length} agents, ${sessionCount} sessions`;
    Object.assign(figures, { 'scale.sessions': sessionCount, 'scale.populatePerS': populate.perS, 'scale.idleRssMb': raw.idleRssMb as number, 'scale.stateRssMb': round(mem.rss, 1) });
    rows.push(
      row('5 scale', `populate: first update from each of ${hostnames.length} agents (new TLS connection each)`, populate.perS, 'updates/s', 'scale.populatePerS'),
      row('5 scale', `RSS, ${hostnames.length} agents registered, empty state (just restarted)`, raw.idleRssMb as number, 'MB', 'scale.idleRssMb'),
      row(
        '5 scale',
        `RSS with ${label} in state, settled: lowest over ${STATE_SETTLE_MS / 1000} s idle after the last first update (at 2 s ${round(settled.atMark, 0)} MB, peak ${round(mem.peak, 0)} MB)`,
        round(mem.rss, 1),
        'MB',
        'scale.stateRssMb',
      ),
    );

    const started = performance.now();
    const adminServers = await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin });
    raw.adminServersMs = round(performance.now() - started, 1);
    if (adminServers.json?.servers?.length !== hostnames.length) throw new Error(`admin server list has ${adminServers.json?.servers?.length} servers`);

    raw.timings = await timeKinds([
      {
        key: 'scale.reconnect',
        name: `POST /v1/user/sessions (${typical}: pool reconnect)`,
        method: 'POST',
        path: '/v1/user/sessions',
        cookie: await cookie(typical),
        json: { poolId: ownPool(TYPICAL_USER), sessionType: 'virtual' },
        expectText: '"reconnected":true',
      },
      // The worst list over the whole fleet, for the record (no target).
      { key: 'scale.fullList.starserver', name: `GET /v1/user/servers (starserver: servers "*" over all ${hostnames.length} servers)`, path: '/v1/user/servers', cookie: await cookie('starserver') },
      // Scrape cost: the state gauges count every server and session on each scrape.
      { key: 'scale.metrics', name: `GET /metrics (${hostnames.length} servers, ${sessionCount} sessions)`, path: '/metrics' },
      // Placement over every server; the chosen agents' port (1) refuses, so nothing is created: three
      // members are tried (each marked unhealthy for the cool-down) and the answer is 503 with the reason.
      {
        key: 'scale.placement',
        name: 'POST /v1/user/sessions (starpool: placement on pool "*", 3 agents refuse)',
        method: 'POST',
        path: '/v1/user/sessions',
        cookie: await cookie('starpool'),
        json: { poolId: 'everything', sessionType: 'virtual' },
        expectStatus: 503,
        expectText: 'NO_HEALTHY_SERVER',
      },
    ]);
    rows.push(row('5 scale', `GET /v1/servers (admin, all ${hostnames.length} servers), once`, raw.adminServersMs as number, 'ms'));

    log('scale: policy reload on SIGHUP');
    raw.reloadMs = summarise(await reloads(director, cfg.quick ? 3 : 5));
    const reload = raw.reloadMs as Summary;
    figures['scale.reloadMs'] = reload.p50;
    rows.push(row('5 scale', `policy reload (SIGHUP -> "policy loaded"), ${raw.policyFileMb} MB users.json, p50 / max`, `${reload.p50} / ${reload.max}`, 'ms', 'scale.reloadMs'));

    // Fewer agents than part 1: each must first connect, at the slow rate this state allows.
    const busyAgents = Math.min(500, cfg.agents, hostnames.length);
    log(`scale: keep-alive updates from ${busyAgents} agents with this state`);
    const busy = await runLoad<{ perS: number; latencyMs: Summary; targetCpuCores: number; errors: number; firstError: string }>(load('updates.ts'), {
      port: director.port,
      caPem: director.caPem,
      identitiesFile: fleet.identitiesFile,
      agents: busyAgents,
      mode: 'keepalive',
      durationS: Math.min(cfg.durationS, 5),
      concurrency: cfg.concurrency,
      sessionsPerAgent: cfg.sessionsPerAgent,
      targetPid: director.proc.pid,
    });
    if (busy.errors) throw new Error(`updates at scale: ${busy.errors} failed, first: ${busy.firstError}`);
    raw.updatesAtScale = busy;
    figures['scale.busy.perS'] = busy.perS;
    rows.push(
      row(
        '5 scale',
        `keep-alive updates/s, ${busyAgents} agents, ${cfg.concurrency} in flight, with ${label} in state (p99 ${busy.latencyMs.p99} ms, ${busy.targetCpuCores} cores)`,
        busy.perS,
        '/s',
        'scale.busy.perS',
      ),
    );

    const cadence = await cadenceRun(cfg, fleet, director, { fleetSize: hostnames.length, connectPerS: populate.perS }, log);
    raw.cadence = cadence;
    const held = round(cadence.perS / cadence.ratePerS, 3);
    Object.assign(figures, {
      'scale.cadence.rate': cadence.ratePerS,
      'scale.cadence.held': held,
      'scale.cadence.cores': cadence.targetCpuCores,
      'scale.cadence.p99': cadence.latencyMs.p99,
      'scale.cadence.rssMb': cadence.targetRssMb,
    });
    const over = cadence.agents < hostnames.length ? `, sent by ${cadence.agents} agents (open files limit ${cadence.openFilesLimit}; HTTP/1.1 idle limit ${HTTP1_IDLE_S} s)` : '';
    rows.push(
      row(
        '5 scale',
        `30 s cadence of ${hostnames.length} agents: ${cadence.ratePerS} updates/s for ${cadence.seconds} s over kept-alive connections${over}: achieved / due`,
        held,
        '',
        'scale.cadence.held',
      ),
      row('5 scale', '30 s cadence: director CPU', cadence.targetCpuCores, 'cores', 'scale.cadence.cores'),
      row('5 scale', '30 s cadence: p50 / p99 from due time', `${cadence.latencyMs.p50} / ${cadence.latencyMs.p99}`, 'ms', 'scale.cadence.p99'),
      row('5 scale', `30 s cadence: director RSS with ${cadence.agents} open TLS connections`, cadence.targetRssMb, 'MB', 'scale.cadence.rssMb'),
    );
  } finally {
    await director.stop();
  }
  return { rows, figures, raw };
}

interface CadenceRun {
  ratePerS: number;
  agents: number;
  openFilesLimit: number;
  seconds: number;
  perS: number;
  errors: number;
  firstError: string;
  latencyMs: Summary;
  targetCpuCores: number;
  targetRssMb: number;
}

/** The soft limit on open files of a process (each kept-alive agent holds one socket in the director). */
function openFilesLimit(pid: number): number {
  const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1];
  return line === undefined || line === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(line);
}

/** The director closes an HTTP/1.1 connection this long after its last answer (its headers time-out). */
const HTTP1_IDLE_S = 20;

/**
 * The fleet's steady state: `fleetSize` agents each updating every 30 s, i.e. fleetSize/30 updates a
 * second, open loop, over kept-alive connections. Fewer agents than the fleet send that rate (each
 * more often), for two reasons. Each connection is a socket in the director: past its open-files limit
 * (Bun lifts the soft limit to the hard one; raising the hard one takes privilege) no more agents can
 * keep one. And the director closes an HTTP/1.1 connection 20 s after its last answer, so every
 * connection must be opened (at `connectPerS`, the populate rate) and used again within 20 s, or the
 * window would measure handshakes instead of updates.
 */
async function cadenceRun(cfg: BenchConfig, fleet: Fleet, director: BenchDirector, size: { fleetSize: number; connectPerS: number }, log: (s: string) => void): Promise<CadenceRun> {
  const { fleetSize } = size;
  const limit = Math.min(openFilesLimit(director.proc.pid), openFilesLimit(process.pid));
  // Room for the director's own files, database and listeners; the warm-up must end within half the idle time.
  const agents = Math.max(1, Math.min(fleetSize, limit - 2000, Math.floor(size.connectPerS * (HTTP1_IDLE_S / 2))));
  const ratePerS = round(fleetSize / CADENCE_S, 1);
  log(`scale: 30 s cadence of ${fleetSize} agents, ${ratePerS} updates/s over ${agents} kept-alive connections (open files limit ${limit})`);
  const run = await runLoad<CadenceRun>(load('updates.ts'), {
    port: director.port,
    caPem: director.caPem,
    identitiesFile: fleet.identitiesFile,
    agents,
    mode: 'keepalive',
    ratePerS,
    durationS: cfg.quick ? 5 : 15,
    concurrency: cfg.concurrency,
    sessionsPerAgent: cfg.sessionsPerAgent,
    targetPid: director.proc.pid,
  });
  if (run.errors) throw new Error(`cadence: ${run.errors} failed updates, first: ${run.firstError}`);
  return { ...run, ratePerS, openFilesLimit: limit };
}

async function reloads(director: BenchDirector, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let reloaded = 0; reloaded < count; reloaded++) {
    const loaded = director.proc.next('policy loaded', 30_000);
    const started = performance.now();
    director.proc.proc.kill('SIGHUP');
    await loaded;
    out.push(performance.now() - started);
    await Bun.sleep(200);
  }
  return out;
}
