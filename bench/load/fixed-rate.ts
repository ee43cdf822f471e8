/**
 * Load process: open-loop requests at a fixed rate over a few keep-alive HTTPS connections (no client
 * certificate: DCV server and the gateway call like this). Request k is due at t0 + k/rate; latency is
 * measured from when it was due, so a slow server cannot hide its queue by slowing the generator
 * (no coordinated omission). The service time from the actual send is reported too.
 */
import { H1Connection } from '../lib/h1-client.ts';
import { round, summarise } from '../lib/http.ts';
import { cpuSeconds, loadArgs, mainThreadWaits, reply } from '../lib/proc.ts';
import { exitOnHelp } from '../../scripts/lib/help.ts';

exitOnHelp(
  `Usage: bun bench/load/fixed-rate.ts ...  (a load process the benchmark runner starts: npm run bench)\n  Load process: open-loop requests at a fixed rate over a few keep-alive HTTPS connections (no client certificate: DCV server and the gateway call like this)`,
);

interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

interface Args {
  port: number;
  caPem: string;
  rate: number;
  durationS: number;
  connections: number;
  /** Cycled through in order. */
  requests: Req[];
  /** Every answer must be 200 and contain this. */
  expectText: string;
  targetPid: number;
  /** Seconds at the same rate before the measured window (JIT, caches); not counted. */
  warmupS?: number;
  /** A client certificate and key (PEM), for an endpoint that asks for one (the ceiling). */
  clientCert?: { certPem: string; keyPem: string };
}

const args = loadArgs<Args>();
const total = Math.round(args.rate * args.durationS);
const interval = 1000 / args.rate;
const conns = Array.from(
  { length: args.connections },
  () => new H1Connection({ host: '127.0.0.1', port: args.port, ca: args.caPem, rejectUnauthorized: true, ...(args.clientCert ? { cert: args.clientCert.certPem, key: args.clientCert.keyPem } : {}) }),
);
// Open every connection before the clock starts.
await Promise.all(conns.map((c) => c.request('GET', '/v1/health', {})));

let fromDue: number[] = [];
let service: number[] = [];
let errors = 0;
let firstError = '';

/** `count` requests at the rate, starting at request number `first` of the cycle. */
async function phase(count: number, first: number): Promise<void> {
  let next = 0;
  const t0 = performance.now() + 5;
  await Promise.all(
    conns.map(async (conn) => {
      for (;;) {
        const sequence = next++;
        if (sequence >= count) return;
        await one(conn, t0 + sequence * interval, first + sequence);
      }
    }),
  );
}

async function one(conn: H1Connection, due: number, sequence: number): Promise<void> {
  // Timers have millisecond granularity: sleep whole milliseconds and send up to 1 ms early rather
  // than spin (spinning would stall the other connections' answers). Latency counts from the earlier
  // of due and sent, so an early send is never flattered and a late one is charged.
  const wait = Math.floor(due - performance.now());
  if (wait >= 1) await Bun.sleep(wait);
  const req = args.requests[sequence % args.requests.length]!;
  const sent = performance.now();
  try {
    const response = await conn.request(req.method, req.path, req.headers, req.body);
    if (response.status !== 200 || !response.body.includes(args.expectText)) {
      errors++;
      firstError ||= `${response.status} ${response.body.slice(0, 200)}`;
    }
  } catch (err) {
    errors++;
    firstError ||= (err as Error).message;
  }
  const done = performance.now();
  fromDue.push(done - Math.min(due, sent));
  service.push(done - sent);
}

const warm = Math.round(args.rate * (args.warmupS ?? 1));
await phase(warm, 0);
const warmupLatencyMs = summarise(fromDue);
fromDue = [];
service = [];
errors = 0;
const cpu0 = cpuSeconds(args.targetPid);
const waits0 = mainThreadWaits(args.targetPid);
const tStart = performance.now();
await phase(total, warm);
const seconds = (performance.now() - tStart) / 1000;
const cpu = cpuSeconds(args.targetPid) - cpu0;
const waits1 = mainThreadWaits(args.targetPid);
for (const conn of conns) conn.close();
await reply({
  rate: args.rate,
  requests: fromDue.length,
  seconds: round(seconds, 2),
  perS: round(fromDue.length / seconds, 1),
  errors,
  firstError,
  latencyMs: summarise(fromDue),
  warmupLatencyMs,
  serviceMs: summarise(service),
  targetCpuCores: round(cpu / seconds, 3),
  // The target's main thread, runnable but not running (ms per second), and preemptions per second.
  ...(waits0 && waits1 ? { targetWaitMsPerS: round((waits1.waitMs - waits0.waitMs) / seconds, 1), targetPreemptedPerS: round((waits1.preempted - waits0.preempted) / seconds, 0) } : {}),
});
