import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQL } from 'bun';
import { silentLogger } from '../../shared/log.ts';
import { migratePostgres } from '../../director/store/migrate.ts';
import { connectPostgres } from '../../director/store/postgres.ts';
import { fleetHarness, type FleetHarness } from '../../tests/helpers/fleet-harness.ts';
import { startPostgres } from '../../tests/helpers/postgres.ts';
import type { BenchConfig } from '../lib/config.ts';
import { tempDir } from '../lib/director.ts';
import { summarise } from '../lib/http.ts';
import { runLoad } from '../lib/proc.ts';
import { row, type PartResult, type Row } from '../lib/report.ts';
import { fillFleet, hostOfSession, ownerOf, registerAgents, sessionIdOf, timeLookups, timeReportBatches, type StoreShape } from '../lib/store-fleet.ts';
import { postgresPlans, sessionScans, sqlitePlans, type PlanCheck, type PlanSample, type ScanCounts } from '../lib/store-plans.ts';

const PART = 'store';

interface StartupRun {
  servers: number;
  sessions: number;
  loadAllMs: number;
  applyMs: number;
  totalMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  rssPeakMb: number;
  rssAfterGcMb: number;
  heapBeforeMb: number;
  heapAfterGcMb: number;
}

/** What differs between the two stores: how the plans are read, what follows the fill, how a fresh process opens it. */
interface Backend {
  label: string;
  harness: FleetHarness;
  plans(sample: PlanSample): Promise<PlanCheck[]>;
  /** Scan counters of the sessions table, where the store keeps them (PostgreSQL). */
  scans?: () => Promise<ScanCounts>;
  /** Run once the fleet is stored, before anything is timed. */
  afterFill?: () => Promise<void>;
  startupArgs: unknown;
}

const figures = (summary: { p50: number; p99: number; mean: number }) => `${summary.p50} / ${summary.p99} / ${summary.mean}`;

/**
 * Part store: the fleet store's lookups at the new state model's scale (100,000 live sessions on
 * 2,000 servers, 20,000 owners by default), in-process on bun:sqlite (a WAL file) and on PostgreSQL (a
 * private cluster, fsync off): an owner's live sessions (placement), a session by id (the verifier,
 * for a session this director has not heard of), the same from memory, a batch of agent reports
 * through the Fleet, and a director's start-up read of it all (in a fresh process, for its RSS).
 */
export async function storePart(cfg: BenchConfig, log: (s: string) => void): Promise<PartResult> {
  const shape: StoreShape = { sessions: cfg.storeSessions, servers: cfg.storeServers, owners: cfg.storeOwners };
  const rows: Row[] = [];
  const raw: Record<string, unknown> = { shape, lookups: cfg.storeLookups, batchReports: cfg.storeBatchReports, batches: cfg.storeBatches };

  const path = join(tempDir('dcvix-bench-store-'), 'agents.db');
  const sqlite = { label: 'sqlite', harness: fleetHarness({ kind: 'sqlite', path }), plans: async (sample: PlanSample) => sqlitePlans(path, sample), startupArgs: { kind: 'sqlite', path } };
  raw.sqlite = await measure(cfg, shape, sqlite, rows, log);

  const pg = await startPostgres();
  let sql: SQL | undefined;
  try {
    sql = await connectPostgres(pg.url, undefined);
    await migratePostgres(sql, silentLogger);
    const passwordFile = join(tempDir('dcvix-bench-store-pg-'), 'pw');
    writeFileSync(passwordFile, pg.password, { mode: 0o600 });
    const store = sql;
    raw.postgres = await measure(
      cfg,
      shape,
      {
        label: 'PostgreSQL',
        harness: fleetHarness({ kind: 'postgres', sql }),
        plans: (sample) => postgresPlans(store, sample),
        scans: () => sessionScans(store),
        // The tables as autovacuum leaves them a minute after a bulk insert (statistics, hint bits, visibility map).
        afterFill: () => store`VACUUM ANALYZE`.then(() => {}),
        startupArgs: { kind: 'postgres', url: pg.urlWithoutPassword, passwordFile },
      },
      rows,
      log,
    );
  } finally {
    await sql?.close().catch(() => {});
    await pg.stop();
  }
  return { rows, figures: {}, raw };
}

async function measure(cfg: BenchConfig, shape: StoreShape, backend: Backend, rows: Row[], log: (s: string) => void): Promise<unknown> {
  const { label, harness } = backend;
  const raw: Record<string, unknown> = {};
  // The plan checks are verdicts of this part, not performance targets: set here, not in bench/lib/targets.ts.
  const add = (metric: string, value: number | string, unit = '', target?: { text: string; ok: boolean }) =>
    rows.push({ ...row(PART, `${label}: ${metric}`, value, unit), ...(target ? { target: target.text, pass: target.ok } : {}) });

  log(`store: ${label}: ${shape.servers} agents register, then report ${shape.sessions} sessions of ${shape.owners} owners`);
  raw.registerS = await registerAgents(harness, shape);
  raw.fillS = await fillFleet(harness, shape);
  await backend.afterFill?.();
  add(
    `fill: ${shape.sessions} live sessions on ${shape.servers} servers, ${shape.owners} owners, each agent's first report through fleet.report (group commit); agents registered before in ${raw.registerS} s`,
    `${raw.fillS} s (${Math.round(shape.sessions / (raw.fillS as number))} sessions/s)`,
  );

  const owners = { count: shape.owners, name: ownerOf };
  const sessions = { count: shape.sessions, name: sessionIdOf };
  const unknown = { count: shape.sessions, name: (index: number) => `unknown-${index}` };
  const perServer = Math.ceil(shape.sessions / shape.servers);
  const sample: PlanSample = {
    owner: ownerOf(42),
    sessionId: sessionIdOf(4242),
    serverIds: [...harness.state.serverIds()].slice(0, cfg.storeBatchReports),
    guids: [...harness.state.allServers()].slice(0, cfg.storeBatchReports).map((server) => server.guid),
    sessionIds: Array.from({ length: Math.min(cfg.storeBatchReports * perServer, shape.sessions) }, (_, index) => sessionIdOf(index)),
  };
  const plans = await backend.plans(sample);
  raw.plans = plans;

  log(`store: ${label}: ${cfg.storeLookups} lookups of each kind`);
  const before = await backend.scans?.();
  const timed = {
    liveSessionsOf: await timeLookups(owners, cfg.storeLookups, (owner) => harness.store.liveSessionsOf(owner)),
    liveSession: await timeLookups(sessions, cfg.storeLookups, (id) => harness.store.liveSession(id)),
    liveSessionUnknown: await timeLookups(unknown, cfg.storeLookups, (id) => harness.store.liveSession(id)),
    memorySession: await timeLookups(sessions, cfg.storeLookups, (id) => harness.state.session(id)),
    memorySessionsOf: await timeLookups(owners, cfg.storeLookups, (owner) => harness.state.sessionsOf(owner)),
  };
  raw.lookupsUs = timed;
  const stored = (await harness.store.liveSessionsOf(sample.owner)).length;
  if (timed.liveSession.rows !== 1 || timed.liveSessionUnknown.rows !== 0 || stored === 0 || stored !== harness.state.sessionsOf(sample.owner).length) {
    throw new Error(`lookups answered wrongly: ${JSON.stringify(timed)}; ${sample.owner} has ${stored} sessions in the store`);
  }
  add(`(a) store.liveSessionsOf(owner) (placement), ${timed.liveSessionsOf.rows} rows each: p50 / p99 / mean`, figures(timed.liveSessionsOf), 'µs');
  add('(b) store.liveSession(id) (verifier, a session not in memory): p50 / p99 / mean', figures(timed.liveSession), 'µs');
  add('(b) store.liveSession(id), an id nobody holds: p50 / p99 / mean', figures(timed.liveSessionUnknown), 'µs');
  add('(c) memory: RuntimeState.session(id) / sessionsOf(owner), p50 / p99 / mean', `${figures(timed.memorySession)}, ${figures(timed.memorySessionsOf)}`, 'µs');
  for (const check of plans.filter((plan) => plan.name.startsWith('('))) {
    add(`plan of ${check.name}`, check.summary, '', { text: `${check.indexes.join(', ')}, no table scan`, ok: check.ok });
  }
  if (before && backend.scans) raw.scans = await scansDuring(backend.scans, before, cfg.storeLookups, add);

  log(`store: ${label}: ${cfg.storeBatches} batches of ${cfg.storeBatchReports} reports, unchanged then changed`);
  const steady = await timeReportBatches(harness, shape, cfg.storeBatchReports, cfg.storeBatches, false);
  const changed = await timeReportBatches(harness, shape, cfg.storeBatchReports, cfg.storeBatches, true);
  raw.reportBatchMs = { steady, changed };
  const batch = `(d) fleet.report, batch of ${cfg.storeBatchReports} reports of ${perServer} sessions`;
  add(`${batch}, nothing new (last contact only): p50 / p99 / mean`, figures(steady), 'ms');
  add(`${batch}, one session changed in each (new revisions): p50 / p99 / mean`, figures(changed), 'ms');

  const starts = Math.max(1, Math.min(cfg.starts, 3));
  log(`store: ${label}: ${starts} start-up reads in a fresh process`);
  const runs: StartupRun[] = [];
  for (let start = 0; start < starts; start++) runs.push(await runLoad<StartupRun>(join(import.meta.dir, '..', 'load', 'store-load.ts'), backend.startupArgs, { timeoutMs: 120_000 }));
  raw.startup = runs;
  if (runs.some((run) => run.sessions !== shape.sessions || run.servers !== shape.servers)) throw new Error(`start-up read the wrong fleet: ${JSON.stringify(runs)}`);
  const median = (pick: (run: StartupRun) => number) => summarise(runs.map(pick)).p50;
  add(`(e) start-up: store.loadAll() + apply to a RuntimeState, median of ${starts}`, `${median((run) => run.loadAllMs)} + ${median((run) => run.applyMs)} = ${median((run) => run.totalMs)}`, 'ms');
  add(
    '(e) RSS of that process: before / after the load (peak) / after a full GC; JS heap before / after that GC',
    `${median((run) => run.rssBeforeMb)} / ${median((run) => run.rssAfterMb)} (${median((run) => run.rssPeakMb)}) / ${median((run) => run.rssAfterGcMb)}; ${median((run) => run.heapBeforeMb)} / ${median((run) => run.heapAfterGcMb)}`,
    'MB',
  );

  // What a session write (reserve, confirm, close) reads, locked: its server and the session, nothing written.
  // Fewer calls: on PostgreSQL each one reads the whole sessions table (see the plans).
  const sessionWriteReads = await timeLookups(sessions, Math.min(cfg.storeLookups, 500), (id, index) =>
    harness.store.transact({ reads: { servers: [hostOfSession(shape, index)], sessions: [id] }, decide: () => [] }, harness.clock.now()),
  );
  raw.sessionWriteReadsUs = sessionWriteReads;
  add("(f) a session write's reads in one transaction (server and session locked, nothing written): p50 / p99 / mean", figures(sessionWriteReads), 'µs');
  const transactionPlans = plans.filter((plan) => plan.name.startsWith('transaction'));
  add("plans of the fleet transactions' locking reads (report batches, session writes) searching by key", `${transactionPlans.filter((plan) => plan.ok).length} of ${transactionPlans.length}`);
  for (const plan of transactionPlans.filter((check) => !check.ok)) add(`NOT by key: ${plan.name}`, plan.summary);
  return raw;
}

/**
 * PostgreSQL's own count of what the timed lookups did: (a) one scan of sessions_owner each, (b) one
 * of the primary key each, and no sequential scan of sessions. Backends report their counts when idle,
 * up to ten seconds later, so this waits (at most 15 s) until the counts cover every call.
 */
async function scansDuring(read: () => Promise<ScanCounts>, before: ScanCounts, lookups: number, add: (metric: string, value: string, unit?: string, target?: { text: string; ok: boolean }) => void) {
  const calls = lookups + Math.ceil(lookups / 10);
  const delta = (after: ScanCounts) => ({
    owner: (after.indexScans.sessions_owner ?? 0) - (before.indexScans.sessions_owner ?? 0),
    primaryKey: (after.indexScans.sessions_pkey ?? 0) - (before.indexScans.sessions_pkey ?? 0),
    sequential: after.seqScans - before.seqScans,
  });
  const deadline = performance.now() + 15_000;
  let seen = delta(await read());
  while ((seen.owner < calls || seen.primaryKey < 2 * calls) && performance.now() < deadline) {
    await Bun.sleep(500);
    seen = delta(await read());
  }
  const ok = seen.sequential === 0 && seen.owner >= calls && seen.primaryKey >= 2 * calls;
  add(
    'scans PostgreSQL counted during (a) and (b): sessions_owner / primary key / sequential scans of sessions',
    `${seen.owner} of ${calls} / ${seen.primaryKey} of ${2 * calls} / ${seen.sequential}`,
    '',
    { text: 'every call by index, 0 sequential', ok },
  );
  return { calls, ...seen };
}
