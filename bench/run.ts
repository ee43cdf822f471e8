#!/usr/bin/env bun
/**
 * npm run bench [-- PART...] [--compare] [--update-baseline]: runs the benchmarks against real
 * director/agent processes over real TLS on 127.0.0.1, with every load generator in its own process.
 * Prints a table (targets beside the rows, bench/lib/targets.ts), writes bench/results/<timestamp>.json
 * and the sweep plot beside it, and optionally compares the run with bench/baseline.json (the
 * regression guard, bench/lib/guard.ts). Sizes: bench/lib/config.ts (BENCH_QUICK=1 for a quick run).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ForeignCpu } from '../scripts/lib/cpu.ts';
import { exitOnHelp } from '../scripts/lib/help.ts';
import { benchConfig } from './lib/config.ts';
import { cleanupTempDirs, repoRoot } from './lib/director.ts';
import { buildFleet, type Fleet } from './lib/fleet.ts';
import { compareWithBaseline, formatComparison, updatedBaseline, type Baseline } from './lib/guard.ts';
import { round } from './lib/http.ts';
import { describeMachine } from './lib/machine.ts';
import { row, table, type Figures, type PartResult, type Row } from './lib/report.ts';
import { sweepSvg, type SweepPoint } from './lib/sweep-svg.ts';
import { applyTargets } from './lib/targets.ts';
import { flowPart } from './parts/flow.ts';
import { haPart } from './parts/ha.ts';
import { scalePart } from './parts/scale.ts';
import { startupPart } from './parts/startup.ts';
import { storePart } from './parts/store.ts';
import { tokensPart } from './parts/tokens.ts';
import { updatesPart } from './parts/updates.ts';

exitOnHelp(`Usage: npm run bench [-- PART...] [--compare] [--update-baseline]
  Benchmarks against real director/agent processes on 127.0.0.1. Parts: startup updates tokens flow
  scale ha store (default: all). BENCH_QUICK=1 for a quick run. Writes bench/results/<timestamp>.json
  and the keep-alive sweep plot beside it.
  --compare          compare the guarded ratios with bench/baseline.json; exit 1 when one is more than
                     20 % worse or a part failed
  --update-baseline  record this run's guarded ratios in bench/baseline.json (full and quick runs apart)`);

const ALL = ['startup', 'updates', 'tokens', 'flow', 'scale', 'ha', 'store'] as const;
type Part = (typeof ALL)[number];
const FLAGS = ['--compare', '--update-baseline'];

const argv = process.argv.slice(2);
for (const flag of argv.filter((a) => a.startsWith('-'))) if (!FLAGS.includes(flag)) throw new Error(`unknown option "${flag}"; options: ${FLAGS.join(' ')}`);
const asked = argv.filter((a) => !a.startsWith('-'));
for (const name of asked) if (!ALL.includes(name as Part)) throw new Error(`unknown part "${name}"; parts: ${ALL.join(' ')}`);
const parts: Part[] = asked.length ? (asked as Part[]) : [...ALL];
const cfg = benchConfig();
const started = Date.now();
const machine = describeMachine();
const log = (s: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}`);
const baselineFile = join(repoRoot, 'bench', 'baseline.json');

const results: Record<string, (PartResult & { seconds: number }) | { error: string; seconds: number }> = {};
const rows: Row[] = [];
const figures: Figures = {};
let fleet: Fleet | undefined;
let sweep: SweepPoint[] = [];
const fleetSize = Math.max(parts.includes('updates') ? cfg.agents : 0, parts.includes('scale') ? cfg.scaleServers : 0);

const runPart = (part: Part): Promise<PartResult> =>
  ({
    startup: () => startupPart(cfg, log),
    updates: async () => {
      const result = await updatesPart(cfg, fleet!, log);
      sweep = result.sweep;
      return result;
    },
    tokens: () => tokensPart(cfg, log),
    flow: () => flowPart(cfg, log),
    scale: () => scalePart(cfg, fleet!, log),
    ha: () => haPart(cfg, log),
    store: () => storePart(cfg, log),
  })[part]();

try {
  if (fleetSize > 0) {
    fleet = await buildFleet(Math.min(cfg.agents, fleetSize), fleetSize, log);
    const enrol = fleet.enrol;
    figures['enrol.issuePerS'] = enrol.issuePerS;
    rows.push(
      row(
        '0 fleet',
        `enrolment through the API, ${enrol.count} agents: certificates issued/s (register ${enrol.registerPerS}/s, approve ${enrol.approvePerS}/s)`,
        enrol.issuePerS,
        '/s',
        'enrol.issuePerS',
      ),
    );
    if (fleet.seeded)
      rows.push(row('0 fleet', `${fleet.seeded.count} more agents seeded through the director's store and CA code (not the API), 2 processes`, `${fleet.seeded.perS}/s (${fleet.seeded.seconds} s)`));
  }
  for (const part of parts) {
    log(`part ${part}`);
    const partStarted = performance.now();
    const seconds = () => round((performance.now() - partStarted) / 1000, 1);
    // Other work on the machine meanwhile: on a shared 2-core box a neighbour's test run moves every
    // figure, so each part reports how busy the rest of the machine was (sampled twice a second).
    const noise = new ForeignCpu({ sampleEveryMs: 500 });
    noise.start();
    try {
      const result = await runPart(part);
      const noiseFigures = { foreignCores: round(noise.stop()), foreignPeakCores: round(noise.peak) };
      results[part] = { ...result, noise: noiseFigures, seconds: seconds() } as PartResult & { seconds: number };
      Object.assign(figures, result.figures);
      const partName = result.rows[0]?.part ?? part;
      rows.push(...result.rows, row(partName, 'other load on the machine meanwhile (avg / peak)', `${noiseFigures.foreignCores} / ${noiseFigures.foreignPeakCores}`, 'cores'));
    } catch (err) {
      // One broken part should not hide the others' figures.
      noise.stop();
      log(`part ${part} FAILED: ${(err as Error).stack ?? err}`);
      results[part] = { error: String((err as Error).message ?? err), seconds: seconds() };
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

rows.sort((a, b) => a.part.localeCompare(b.part));
applyTargets(rows, figures);
const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
const out = {
  startedAt: new Date(started).toISOString(),
  seconds: Math.round((Date.now() - started) / 100) / 10,
  command: `${Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_'))
    .map(([name, value]) => `${name}=${value} `)
    .join('')}npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  machine,
  config: cfg,
  fleet: fleet ? { count: fleet.count, enrol: fleet.enrol, seeded: fleet.seeded } : undefined,
  rows,
  figures,
  sweep,
  parts: results,
};
const dir = join(repoRoot, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${stamp}.json`);
writeFileSync(file, JSON.stringify(out, null, 2));
if (sweep.length) writeFileSync(join(dir, `${stamp}-sweep.svg`), sweepSvg(sweep, `Keep-alive agent updates against the director (${machine.nproc} cores, commit ${machine.commit})`));

console.log(
  `\ndcvix benchmarks (${cfg.quick ? 'quick' : 'full'} run, ${out.seconds} s): ${machine.nproc} x ${machine.cpuModel}, ${machine.memoryGb} GB, Bun ${machine.bun}, commit ${machine.commit}${machine.dirtyFiles ? ` + ${machine.dirtyFiles} changed files` : ''}, load average at start ${machine.loadAverageAtStart}`,
);
console.log(table(rows));
console.log(`\nJSON: ${file}${sweep.length ? `\nplot: ${join(dir, `${stamp}-sweep.svg`)}` : ''}`);

const failedParts = Object.values(results).some((result) => 'error' in result);
const baseline: Baseline = existsSync(baselineFile) ? JSON.parse(readFileSync(baselineFile, 'utf8')) : {};
if (argv.includes('--update-baseline')) {
  if (failedParts) console.log('\nbaseline NOT updated: a part failed');
  else {
    writeFileSync(baselineFile, `${JSON.stringify(updatedBaseline(baseline, out), null, 2)}\n`);
    console.log(`\nbaseline updated: ${baselineFile} (${cfg.quick ? 'quick' : 'full'} runs)`);
  }
}
if (argv.includes('--compare')) {
  const comparison = compareWithBaseline(out, baseline);
  console.log(`\nregression guard against ${baselineFile}:\n${formatComparison(comparison)}`);
  process.exit(comparison.ok ? 0 : 1);
}
process.exit(failedParts ? 1 : 0);
