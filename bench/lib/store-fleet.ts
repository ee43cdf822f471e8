/**
 * The store part's fleet: S live sessions spread over N servers (consecutive blocks) and O owners (round
 * robin, so an owner's sessions sit on different servers), written through a Fleet on either store the
 * way the director writes them: agent reports, group-committed. Also the timers the part uses.
 */
import type { DcvSession } from '../../shared/api/agent-wire.ts';
import { sampleStats } from '../../tests/helpers/fleet.ts';
import type { FleetHarness } from '../../tests/helpers/fleet-harness.ts';
import { round, summarise, type Summary } from './http.ts';

export interface StoreShape {
  sessions: number;
  servers: number;
  owners: number;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');
const hostOf = (server: number) => `dcv-${pad(server, 5)}.bench.example`;
const guidOf = (server: number) => `bench-agent-${pad(server, 5)}`;
export const sessionIdOf = (session: number) => `session-${pad(session, 7)}`;
export const ownerOf = (owner: number) => `user${pad(owner, 6)}`;
/** The server session number `session` is on. */
export const hostOfSession = (shape: StoreShape, session: number) => hostOf(Math.floor(session / Math.ceil(shape.sessions / shape.servers)));

/** What agent `server` reports: its block of sessions, the first with `connections` connections. */
function wireSessions(shape: StoreShape, server: number, connections = 0): DcvSession[] {
  const perServer = Math.ceil(shape.sessions / shape.servers);
  const sessions: DcvSession[] = [];
  for (let session = server * perServer; session < Math.min((server + 1) * perServer, shape.sessions); session++) {
    sessions.push({ id: sessionIdOf(session), owner: ownerOf(session % shape.owners), type: 'virtual', numOfConnections: 0 });
  }
  if (sessions[0]) sessions[0].numOfConnections = connections;
  return sessions;
}

/** Registers one agent per server (its row in the agents table), 50 at a time; returns the seconds taken. */
export async function registerAgents(harness: FleetHarness, shape: StoreShape): Promise<number> {
  const started = performance.now();
  for (let first = 0; first < shape.servers; first += 50) {
    const chunk = Array.from({ length: Math.min(50, shape.servers - first) }, (_, offset) => first + offset);
    await Promise.all(chunk.map((server) => harness.registerAgent(guidOf(server), hostOf(server))));
  }
  return round((performance.now() - started) / 1000, 2);
}

/** Every server's first report, all submitted at once (the group commit batches them); returns the seconds taken. */
export async function fillFleet(harness: FleetHarness, shape: StoreShape): Promise<number> {
  const started = performance.now();
  const outcomes = await Promise.all(Array.from({ length: shape.servers }, (_, server) => harness.report(guidOf(server), hostOf(server), wireSessions(shape, server))));
  const seconds = round((performance.now() - started) / 1000, 2);
  const refused = outcomes.filter((outcome) => outcome.kind !== 'accepted').length;
  const held = harness.state.counts();
  if (refused || held.sessions !== shape.sessions || held.servers !== shape.servers) {
    throw new Error(`fill: ${refused} reports refused; memory holds ${held.servers} servers and ${held.sessions} sessions`);
  }
  return seconds;
}

/**
 * Times `count` batches of `reports` agent reports from distinct servers picked at random, each batch
 * submitted at once so it is one group commit, a second of fake time apart; milliseconds per batch.
 * `changed`: every report gives one session a new connection count (a new revision per server);
 * otherwise the reports repeat what is stored (last contact and figures only).
 */
export async function timeReportBatches(harness: FleetHarness, shape: StoreShape, reports: number, count: number, changed: boolean): Promise<Summary> {
  const samples: number[] = [];
  for (let batch = -3; batch < count; batch++) {
    harness.clock.advance(1000);
    const servers = new Set<number>();
    while (servers.size < Math.min(reports, shape.servers)) servers.add(Math.floor(Math.random() * shape.servers));
    const load1 = Math.round(Math.random() * 400) / 100;
    const started = performance.now();
    const outcomes = await Promise.all(
      [...servers].map((server) =>
        harness.report(guidOf(server), hostOf(server), wireSessions(shape, server, changed ? batch + 10 : 0), { stats: { ...sampleStats, hostname: hostOf(server), load1 } }),
      ),
    );
    // The first batches warm up the statements and the JIT.
    if (batch >= 0) samples.push(performance.now() - started);
    if (outcomes.some((outcome) => outcome.kind !== 'accepted')) throw new Error('report batch: a report was refused');
  }
  return summarise(samples);
}

/**
 * Times `lookup` one call at a time on `count` keys picked at random among `keys` (after count / 10
 * untimed calls); microseconds per call, and the mean number of rows answered.
 */
export async function timeLookups<T>(
  keys: { count: number; name: (index: number) => string },
  count: number,
  lookup: (key: string, index: number) => T[] | T | undefined | Promise<T[] | T | undefined>,
): Promise<Summary & { rows: number }> {
  const samples: number[] = [];
  let rows = 0;
  const warmup = Math.ceil(count / 10);
  for (let call = -warmup; call < count; call++) {
    const index = Math.floor(Math.random() * keys.count);
    const key = keys.name(index);
    const started = performance.now();
    const pending = lookup(key, index);
    // In-memory lookups are synchronous: awaiting them would time a microtask too.
    const answer = pending instanceof Promise ? await pending : pending;
    const micros = (performance.now() - started) * 1000;
    if (call < 0) continue;
    samples.push(micros);
    rows += Array.isArray(answer) ? answer.length : answer === undefined ? 0 : 1;
  }
  return { ...summarise(samples), rows: round(rows / count, 2) };
}
