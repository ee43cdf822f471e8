#!/usr/bin/env bun
/**
 * npm run bench [-- PART...]: runs the benchmarks against real director/agent processes over real TLS
 * on 127.0.0.1, with every load generator in its own process. Prints a table and writes
 * bench/results/<timestamp>.json. Parts: startup updates tokens flow scale ha store (default: all).
 * Sizes: see bench/lib/config.ts (BENCH_QUICK=1 for a quick run). Not part of `npm test`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ForeignCpu } from '../scripts/lib/cpu.ts';
import { benchConfig } from './lib/config.ts';
import { cleanupTempDirs, repoRoot } from './lib/director.ts';
import { buildFleet, type Fleet } from './lib/fleet.ts';
import { round } from './lib/http.ts';
import { row, table, type PartResult, type Row } from './lib/report.ts';
import { flowPart } from './parts/flow.ts';
import { scalePart } from './parts/scale.ts';
import { startupPart } from './parts/startup.ts';
import { tokensPart } from './parts/tokens.ts';
import { updatesPart } from './parts/updates.ts';
import { haPart } from './parts/ha.ts';
import { storePart } from './parts/store.ts';
import { exitOnHelp } from '../scripts/lib/help.ts';

exitOnHelp(`Usage: npm run bench [-- PART...]
  Benchmarks against real director/agent processes on 127.0.0.1. Parts: startup updates tokens flow
  scale ha store (default: all). BENCH_QUICK=1 for a quick run. Writes bench/results/<timestamp>.json.`);

const ALL = ['startup', 'updates', 'tokens', 'flow', 'scale', 'ha', 'store'] as const;
type Part = (typeof ALL)[number];

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of asked) if (!ALL.includes(name as Part)) throw new Error(`unknown part "${name}"; parts: ${ALL.join(' ')}`);
const parts: Part[] = asked.length ? (asked as Part[]) : [...ALL];
const cfg = benchConfig();
const started = Date.now();
const machineAtStart = machine();
const log = (s: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}`);

function machine() {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const git = (args: string[]) =>
    Bun.spawnSync(['git', ...args], { cwd: repoRoot })
      .stdout.toString()
      .trim();
  return {
    nproc: cpus().length,
    cpuModel: model,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    bun: Bun.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    commit: git(['rev-parse', '--short', 'HEAD']),
    // Others may have uncommitted changes in director/ or agent/: the figures are for this tree.
    dirtyFiles: git(['status', '--porcelain', '--', 'director', 'agent', 'shared']).split('\n').filter(Boolean).length,
  };
}

const results: Record<string, PartResult | { error: string }> = {};
const rows: Row[] = [];
let fleet: Fleet | undefined;
const fleetSize = Math.max(parts.includes('updates') ? cfg.agents : 0, parts.includes('scale') ? cfg.scaleServers : 0);

try {
  if (fleetSize > 0) fleet = await buildFleet(fleetSize, log);
  for (const part of parts) {
    log(`part ${part}`);
    // Other work on the machine meanwhile: on a shared 2-core box a neighbour's test run moves every
    // figure, so each part reports how busy the rest of the machine was (sampled twice a second).
    const noise = new ForeignCpu({ sampleEveryMs: 500 });
    noise.start();
    const partName = (r: Row[]) => r[0]?.part ?? part;
    try {
      const result =
        part === 'startup'
          ? await startupPart(cfg, log)
          : part === 'updates'
            ? await updatesPart(cfg, fleet!, log)
            : part === 'tokens'
              ? await tokensPart(cfg, log)
              : part === 'flow'
                ? await flowPart(cfg, log)
                : part === 'ha'
                  ? await haPart(cfg, log)
                  : part === 'store'
                    ? await storePart(cfg, log)
                    : await scalePart(cfg, fleet!, log);
      const noiseFigures = { foreignCores: round(noise.stop()), foreignPeakCores: round(noise.peak) };
      results[part] = { ...result, noise: noiseFigures } as PartResult;
      rows.push(...result.rows, row(partName(result.rows), 'other load on the machine meanwhile (avg / peak)', `${noiseFigures.foreignCores} / ${noiseFigures.foreignPeakCores}`, 'cores'));
    } catch (err) {
      // One broken part should not hide the others' figures.
      noise.stop();
      log(`part ${part} FAILED: ${(err as Error).stack ?? err}`);
      results[part] = { error: String((err as Error).message ?? err) };
      rows.push({
        part,
        metric: 'FAILED',
        value: String((err as Error).message ?? err)
          .split('\n')[0]!
          .slice(0, 120),
      });
    }
  }
} finally {
  cleanupTempDirs('BENCH_KEEP_TEMP');
}

const order = (r: Row) => r.part;
rows.sort((a, b) => order(a).localeCompare(order(b)));
const out = {
  startedAt: new Date(started).toISOString(),
  seconds: Math.round((Date.now() - started) / 100) / 10,
  machine: machineAtStart,
  config: cfg,
  fleet: fleet ? { count: fleet.count, enrol: fleet.enrol } : undefined,
  rows,
  parts: results,
};
const dir = join(repoRoot, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(out, null, 2));

const host = out.machine;
console.log(
  `\ndcvix benchmarks (${cfg.quick ? 'quick' : 'full'} run, ${out.seconds} s): ${host.nproc} x ${host.cpuModel}, ${host.memoryGb} GB, Bun ${host.bun}, commit ${host.commit}${host.dirtyFiles ? ` + ${host.dirtyFiles} changed files` : ''}, load average at start ${host.loadAverageAtStart}`,
);
if (fleet)
  console.log(
    `fleet: ${fleet.count} agents enrolled through the API in ${fleet.enrol.totalS} s (register ${fleet.enrol.registerPerS}/s, approve ${fleet.enrol.approvePerS}/s, certificate ${fleet.enrol.issuePerS}/s)`,
  );
console.log(table(rows));
console.log(`\nJSON: ${file}`);
process.exit(rows.some((r) => r.metric === 'FAILED') ? 1 : 0);
