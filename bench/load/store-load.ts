/**
 * Load process: a director's start-up read of the fleet, alone in a fresh process so its RSS is the
 * state's: every stored server with its live sessions (store.loadAll()) applied to a new RuntimeState,
 * as Fleet.load() does on an empty memory. Times both halves and reads RSS before, after, and after a
 * full collection, with the JS heap then (what the state holds; RSS also keeps pages the allocator has
 * not handed back).
 */
import { heapStats } from 'bun:jsc';
import { readFileSync } from 'node:fs';
import { exitOnHelp } from '../../scripts/lib/help.ts';
import { systemClock } from '../../shared/clock.ts';
import { createPostgresFleetStore } from '../../director/servers/fleet-store-postgres.ts';
import { createSqliteFleetStore } from '../../director/servers/fleet-store-sqlite.ts';
import { RuntimeState } from '../../director/servers/runtime-state.ts';
import { openDatabase } from '../../director/store/db.ts';
import { connectPostgres } from '../../director/store/postgres.ts';
import { round } from '../lib/http.ts';
import { loadArgs, memoryMb, reply } from '../lib/proc.ts';

exitOnHelp(
  'Usage: bun bench/load/store-load.ts ...  (a load process the benchmark runner starts: npm run bench)\n  Load process: the director start-up read of the fleet store into a RuntimeState, timed, with RSS',
);

/** sqlite: the database file; postgres: the URL without its password, which is read from a file. */
type Args = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; passwordFile: string };

const args = loadArgs<Args>();
const store =
  args.kind === 'sqlite' ? createSqliteFleetStore(openDatabase(args.path)) : createPostgresFleetStore(await connectPostgres(args.url, readFileSync(args.passwordFile, 'utf8').trim(), { max: 1 }));
// The code the load runs, compiled once on an empty read, so the figures are the data's.
await store.loadSnapshots(['none']);
Bun.gc(true);
const before = memoryMb(process.pid).rss;
const heapBefore = heapStats().heapSize;

const started = performance.now();
const snapshots = await store.loadAll();
const loaded = performance.now();
const state = new RuntimeState(systemClock);
for (const snapshot of snapshots) state.applySnapshot(snapshot);
const applied = performance.now();
const after = memoryMb(process.pid);
snapshots.length = 0;
Bun.gc(true);
const collected = memoryMb(process.pid).rss;
const heapAfter = heapStats().heapSize;

await reply({
  ...state.counts(),
  loadAllMs: round(loaded - started, 1),
  applyMs: round(applied - loaded, 1),
  totalMs: round(applied - started, 1),
  rssBeforeMb: round(before, 1),
  rssAfterMb: round(after.rss, 1),
  rssPeakMb: round(after.peak, 1),
  rssAfterGcMb: round(collected, 1),
  heapBeforeMb: round(heapBefore / 2 ** 20, 1),
  heapAfterGcMb: round(heapAfter / 2 ** 20, 1),
});
