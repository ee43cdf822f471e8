import type { Figures, Row } from './report.ts';

/**
 * A performance target: which row it belongs to (by figure key, or by metric name for rows another
 * load generator reports), how it reads, and whether a figure meets it. Missing a target prints
 * MISSED beside the row; it never fails the run (the regression guard, bench/lib/guard.ts, does that).
 */
interface Target {
  key?: string;
  metric?: RegExp;
  text: string;
  ok: (value: number, figures: Figures) => boolean;
}

const atLeast = (min: number) => (value: number) => value >= min;
const below = (max: number) => (value: number) => value < max;

/** The targets, in one place (docs/performance.md lists them from here). Absolute ones hold on 2 cores. */
const TARGETS: readonly Target[] = [
  { key: 'updates.keepalive.vsBridge', text: '>= 0.85', ok: atLeast(0.85) },
  { key: 'updates.keepalive.vsCeiling', text: '>= 0.35', ok: atLeast(0.35) },
  { key: 'updates.keepalive.director.rssMb', text: '< 200 MB', ok: below(200) },
  { key: 'flow.total.p50', text: 'p50 < 60 ms', ok: below(60) },
  { key: 'flow.login.p50', text: 'p50 < 8 ms', ok: below(8) },
  { key: 'startup.binary.p50', text: '< 150 ms', ok: below(150) },
  { key: 'startup.agent.source.idleRssMb', text: '< 60 MB', ok: below(60) },
  { key: 'startup.agent.binary.idleRssMb', text: '< 60 MB', ok: below(60) },
  { key: 'startup.agent.source.noMetricsRssMb', text: '< 60 MB', ok: below(60) },
  { key: 'startup.agent.binary.noMetricsRssMb', text: '< 60 MB', ok: below(60) },
  ...['authtokenverify', 'resolveSession'].flatMap((name) => [
    { key: `tokens.${name}.perS`, text: 'the rate (97 %)', ok: (value: number, figures: Figures) => value >= 0.97 * (figures['tokens.rate'] ?? Infinity) },
    { key: `tokens.${name}.p99`, text: 'p99 < 2 ms', ok: below(2) },
  ]),
  ...['typical', 'starpool', 'starserver'].map((shape) => ({ key: `scale.list.${shape}.p99`, text: 'p99 < 20 ms', ok: below(20) })),
  { key: 'scale.stateRssMb', text: '< 500 MB', ok: below(500) },
  { key: 'scale.cadence.cores', text: '< 0.5 cores', ok: below(0.5) },
  { key: 'scale.cadence.held', text: '>= 0.99', ok: atLeast(0.99) },
  { key: 'enrol.issuePerS', text: '>= 1,000/s', ok: atLeast(1000) },
  // The enrolment load generator's own row (pre-generated CSRs over kept-alive connections), by name.
  { metric: /^enrolment: certificates issued\/s/, text: '>= 1,000/s', ok: atLeast(1000) },
  { key: 'ha.vsSqlite', text: '>= 0.7 (recorded)', ok: atLeast(0.7) },
  { key: 'ha.failoverMs', text: '< 3000 ms', ok: (value) => value >= 0 && value < 3000 },
];

/** Sets target and pass on every row a target names; the value checked is the row's figure (or its number). */
export function applyTargets(rows: Row[], figures: Figures): void {
  for (const line of rows) {
    const target = TARGETS.find((t) => (t.key !== undefined && t.key === line.key) || (t.metric?.test(line.metric) ?? false));
    if (!target) continue;
    const value = line.key !== undefined && line.key in figures ? figures[line.key]! : Number(line.value);
    line.target = target.text;
    line.pass = Number.isFinite(value) && target.ok(value, figures);
  }
}
