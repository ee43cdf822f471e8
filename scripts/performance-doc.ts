#!/usr/bin/env bun
/**
 * npm run bench:doc [-- RESULTS.json] [--check]: writes the generated section of docs/performance.md
 * from the recorded benchmark run, bench/recorded/run.json (and its plot). Given a results file
 * (bench/results/<timestamp>.json), records that run first: copies it and its sweep plot into
 * bench/recorded/. --check only reports whether the doc is up to date (exit 1 when not).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderGenerated, spliceGenerated, type RecordedRun } from '../bench/lib/performance-doc.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(`Usage: npm run bench:doc [-- RESULTS.json] [--check]
  Writes the generated section of docs/performance.md from bench/recorded/run.json. With a results file
  (bench/results/<timestamp>.json), records that run first (copies it and its sweep plot into
  bench/recorded/). --check: exit 1 when the doc does not match the recorded run.`);

const root = resolve(import.meta.dir, '..');
const recordedDir = join(root, 'bench', 'recorded');
const recordedRun = join(recordedDir, 'run.json');
const recordedPlot = join(recordedDir, 'updates-sweep.svg');
const docFile = join(root, 'docs', 'performance.md');
/** How the doc links the plot (relative to docs/). */
const PLOT_LINK = '../bench/recorded/updates-sweep.svg';

const args = process.argv.slice(2);
const source = args.find((arg) => !arg.startsWith('-'));
if (source) {
  mkdirSync(recordedDir, { recursive: true });
  copyFileSync(source, recordedRun);
  // Committed, so in the project's JSON format (biome's: short arrays on one line).
  const formatted = Bun.spawnSync([join(root, 'node_modules', '.bin', 'biome'), 'format', '--write', recordedRun], { cwd: root, stdout: 'pipe', stderr: 'pipe' });
  if (formatted.exitCode !== 0) throw new Error(`biome format ${recordedRun}: ${formatted.stderr.toString()}`);
  const plot = source.replace(/\.json$/, '-sweep.svg');
  if (existsSync(plot)) copyFileSync(plot, recordedPlot);
  console.log(`recorded ${source} as ${recordedRun}${existsSync(plot) ? ` (plot ${recordedPlot})` : ''}`);
}

const run = JSON.parse(readFileSync(recordedRun, 'utf8')) as RecordedRun;
const doc = readFileSync(docFile, 'utf8');
const updated = spliceGenerated(doc, renderGenerated(run, existsSync(recordedPlot) ? PLOT_LINK : undefined));
if (args.includes('--check')) {
  console.log(updated === doc ? 'docs/performance.md matches bench/recorded/run.json' : 'docs/performance.md is out of date: npm run bench:doc');
  process.exit(updated === doc ? 0 : 1);
}
writeFileSync(docFile, updated);
console.log(updated === doc ? 'docs/performance.md was up to date' : `docs/performance.md regenerated from ${recordedRun}`);
