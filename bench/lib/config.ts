/**
 * Benchmark sizes. Every knob has a full-run default and a small BENCH_QUICK=1 default, and can be set
 * on its own through the environment (e.g. BENCH_AGENTS=500 npm run bench -- updates).
 */
const quick = process.env.BENCH_QUICK === '1';

function num(name: string, full: number, small: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return quick ? small : full;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${text}"`);
  return value;
}

export interface BenchConfig {
  quick: boolean;
  /** Part 1: simulated agents sending updates. */
  agents: number;
  /** Seconds of each measured load phase. */
  durationS: number;
  /** Requests in flight in the closed-loop update phases. */
  concurrency: number;
  /** Sessions each simulated agent reports. */
  sessionsPerAgent: number;
  /** Part 5: servers = agents in state (the first `agents` enrolled through the API, the rest seeded). */
  scaleServers: number;
  scalePools: number;
  scaleUsers: number;
  /** Requests per user kind when timing GET /v1/user/servers at scale. */
  scaleRequests: number;
  /** The server lists are timed when this many of the agents have reported (the rest report after). */
  scaleListServers: number;
  /** Part 2: fixed request rate and duration. */
  rate: number;
  rateDurationS: number;
  /**
   * Part 2: seconds at the rate before the measured window. At 1,000/s JavaScriptCore goes on compiling
   * the verifier's path at its top tier for ~20 s, and each compile stalls the main thread.
   */
  rateWarmupS: number;
  /** Part 3: user flows. */
  flowIterations: number;
  /** Part 4: start-ups per flavour. */
  starts: number;
  /** Part store: live sessions, servers and owners in the fleet store; lookups timed per kind. */
  storeSessions: number;
  storeServers: number;
  storeOwners: number;
  storeLookups: number;
  /** Part store: agent reports per timed batch, and batches timed per kind. */
  storeBatchReports: number;
  storeBatches: number;
}

export function benchConfig(): BenchConfig {
  return {
    quick,
    agents: num('BENCH_AGENTS', 2000, 200),
    durationS: num('BENCH_DURATION_S', 8, 3),
    concurrency: num('BENCH_CONCURRENCY', 32, 16),
    sessionsPerAgent: num('BENCH_SESSIONS_PER_AGENT', 2, 2),
    scaleServers: num('BENCH_SCALE_SERVERS', 50_000, 1000),
    scalePools: num('BENCH_SCALE_POOLS', 500, 50),
    scaleUsers: num('BENCH_SCALE_USERS', 50_000, 5000),
    scaleRequests: num('BENCH_SCALE_REQUESTS', 100, 20),
    scaleListServers: num('BENCH_SCALE_LIST_SERVERS', 10_000, 1000),
    rate: num('BENCH_RATE', 1000, 1000),
    rateDurationS: num('BENCH_RATE_DURATION_S', 10, 3),
    rateWarmupS: num('BENCH_RATE_WARMUP_S', 20, 2),
    flowIterations: num('BENCH_FLOW_ITERATIONS', 40, 8),
    starts: num('BENCH_STARTS', 5, 3),
    storeSessions: num('BENCH_STORE_SESSIONS', 100_000, 10_000),
    storeServers: num('BENCH_STORE_SERVERS', 2000, 200),
    storeOwners: num('BENCH_STORE_OWNERS', 20_000, 2000),
    storeLookups: num('BENCH_STORE_LOOKUPS', 2000, 500),
    storeBatchReports: num('BENCH_STORE_BATCH_REPORTS', 100, 50),
    storeBatches: num('BENCH_STORE_BATCHES', 30, 10),
  };
}
