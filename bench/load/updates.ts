/**
 * Load process: K simulated agents POST /v1/agent/update over mTLS with their own enrolled Ed25519
 * certificates, closed loop with `concurrency` requests in flight, round-robin over the agents.
 * keepalive: one persistent TLS connection per agent (opened in the warm-up, not measured).
 * fresh: a new TLS connection (full handshake, no session resumption) for every update.
 * With `ratePerS` the measured window is an open loop instead: update k is due at t0 + k/rate, sent on
 * the next idle agent's connection, and its latency counts from when it was due (a fleet's cadence).
 */
import { readFileSync } from 'node:fs';
import { H1Connection, handshakeMs, handshakes } from '../lib/h1-client.ts';
import { round, summarise } from '../lib/http.ts';
import { cpuSeconds, loadArgs, memoryMb, reply } from '../lib/proc.ts';
import type { Identity } from './enrol.ts';
import { exitOnHelp } from '../../scripts/lib/help.ts';

exitOnHelp(
  `Usage: bun bench/load/updates.ts ...  (a load process the benchmark runner starts: npm run bench)\n  Load process: K simulated agents POST /v1/agent/update over mTLS with their own enrolled Ed25519 certificates, closed loop with concurrency requests in flight, round-robin over the agents`,
);

interface Args {
  port: number;
  caPem: string;
  identitiesFile: string;
  agents: number;
  /** Skip the first `offset` identities (another phase uses them). */
  offset?: number;
  mode: 'keepalive' | 'fresh';
  durationS: number;
  concurrency: number;
  sessionsPerAgent: number;
  /** Process to measure CPU and memory of during the measured window. */
  targetPid: number;
  path?: string;
  /** Send each agent exactly once (populate state), instead of a timed run. */
  once?: boolean;
  /** Open loop at this many updates a second (keep-alive), instead of `concurrency` in flight. */
  ratePerS?: number;
}

const args = loadArgs<Args>();
const all: Identity[] = JSON.parse(readFileSync(args.identitiesFile, 'utf8'));
const ids = all.slice(args.offset ?? 0, (args.offset ?? 0) + args.agents);
if (ids.length < args.agents) throw new Error(`only ${ids.length} identities for ${args.agents} agents`);
const path = args.path ?? '/v1/agent/update';

/** A realistic update body (shape of agent/updater.ts): sessions in the kebab-case wire form, as our agent and the Go dcvix send them. */
function updateBody(id: Identity, index: number, sessions: number, tick: number): string {
  const owner = (k: number) => `user${String((index * sessions + k) % 50_000).padStart(5, '0')}`;
  return JSON.stringify({
    sessions: Array.from({ length: sessions }, (_, k) => ({
      id: `${id.hostname}-s${k}`,
      owner: owner(k),
      user: owner(k),
      name: `${owner(k)} desktop`,
      type: k === 0 ? 'virtual' : 'console',
      status: 'RUNNING',
      'num-of-connections': (tick + k) % 2,
      'creation-time': '2026-01-05T08:00:00.000Z',
      'last-disconnection-time': null,
    })),
    stats: { hostname: id.hostname, free_memory: 54545088512 - tick, total_memory: 66996871168, cores: 8, cpu_usage: 1.16, load1: 0.11, load5: 0.13, load15: 0.15 },
    tags: ['bench', 'gpu', `rack=${index % 40}`],
    // Nothing listens on port 1: a placement that reaches for this agent fails fast (502), never
    // touching a real agent another process runs on 8446.
    agentPort: 1,
    version: '0.1.0',
  });
}

const conns = ids.map((id) => new H1Connection({ host: '127.0.0.1', port: args.port, ca: args.caPem, cert: id.certPem, key: id.keyPem, rejectUnauthorized: true }));
const busy = new Uint8Array(ids.length);
// At most one request per agent at a time, so never more in flight than there are agents.
const concurrency = Math.min(args.concurrency, ids.length);
const headers = { 'content-type': 'application/json' };
let errors = 0;
let firstError = '';

async function send(agentIndex: number, tick: number): Promise<number> {
  const started = performance.now();
  const conn = conns[agentIndex]!;
  try {
    const response = await conn.request('POST', path, headers, updateBody(ids[agentIndex]!, agentIndex + (args.offset ?? 0), args.sessionsPerAgent, tick));
    if (response.status !== 200) {
      errors++;
      firstError ||= `${response.status} ${response.body.slice(0, 200)}`;
    }
  } catch (err) {
    errors++;
    firstError ||= (err as Error).message;
  } finally {
    if (args.mode === 'fresh') conn.close();
  }
  return performance.now() - started;
}

/** Every agent once, `concurrency` at a time: the warm-up (keep-alive connections) or the populate run. */
async function everyAgentOnce(): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) await send(next++, 0);
    }),
  );
  return (performance.now() - started) / 1000;
}

const tStart = performance.now();
// Keep-alive: open every agent's connection before the clock starts. Fresh connections need no
// warm-up (the process under test is already warm from the keep-alive phase).
const warmS = args.mode === 'keepalive' || args.once ? await everyAgentOnce() : 0;
if (args.once) {
  await reply({ agents: ids.length, seconds: round(warmS, 3), perS: round(ids.length / warmS, 1), errors, firstError, handshakes });
}

// Measured window.
const latencies: number[] = [];
const hs0 = { ...handshakes };
handshakeMs.length = 0;
errors = 0;
let cursor = 0;
let tick = 1;
const cpu0 = cpuSeconds(args.targetPid);
const t0 = performance.now();
const end = t0 + args.durationS * 1000;

/** The next agent with no request in flight, round-robin (the caller makes sure one is idle). */
function nextIdle(): number {
  let agentIndex = cursor;
  while (busy[agentIndex]) agentIndex = (agentIndex + 1) % ids.length;
  cursor = (agentIndex + 1) % ids.length;
  if (cursor === 0) tick++;
  return agentIndex;
}

async function sendOn(agentIndex: number, since: number): Promise<void> {
  busy[agentIndex] = 1;
  await send(agentIndex, tick);
  latencies.push(performance.now() - since);
  busy[agentIndex] = 0;
}

let overdue = 0;
if (args.ratePerS) {
  // Open loop: never more in flight than agents; an update that finds every agent busy waits (and is charged).
  const interval = 1000 / args.ratePerS;
  const inFlight = new Set<Promise<void>>();
  for (let sequence = 0; t0 + sequence * interval < end; sequence++) {
    const due = t0 + sequence * interval;
    const wait = Math.floor(due - performance.now());
    if (wait >= 1) await Bun.sleep(wait);
    while (inFlight.size >= ids.length) await Promise.race(inFlight);
    if (performance.now() - due > 1000) overdue++;
    const sent = sendOn(nextIdle(), Math.min(due, performance.now())).finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  }
  await Promise.all(inFlight);
} else {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        await sendOn(nextIdle(), started);
      }
    }),
  );
}
const seconds = (performance.now() - t0) / 1000;
const cpu = cpuSeconds(args.targetPid) - cpu0;
const mem = memoryMb(args.targetPid);
for (const conn of conns) conn.close();

await reply({
  mode: args.mode,
  ...(args.ratePerS ? { ratePerS: args.ratePerS, overdueBy1s: overdue } : {}),
  agents: ids.length,
  concurrency,
  warmupS: round(warmS, 2),
  seconds: round(seconds, 2),
  requests: latencies.length,
  perS: round(latencies.length / seconds, 1),
  errors,
  firstError,
  latencyMs: summarise(latencies),
  targetCpuCores: round(cpu / seconds, 2),
  targetRssMb: round(mem.rss, 1),
  targetPeakRssMb: round(mem.peak, 1),
  handshakes: { full: handshakes.full - hs0.full, resumed: handshakes.resumed - hs0.resumed },
  handshakeMs: summarise(handshakeMs),
  clientCpuCores: round((process.cpuUsage().user + process.cpuUsage().system) / 1e6 / ((performance.now() - tStart) / 1000), 2),
});
