import type { Figures } from './report.ts';

/**
 * The regression guard. Absolute figures move between machines, so each guarded figure is kept as a
 * ratio to an anchor measured in the same run (the bare Bun.serve ceiling, the bridge, a bare `bun -e`
 * start, the director's cheapest route); figures with no sensible anchor (memory, CPU at a fixed
 * rate) are kept as they are. A run fails when a ratio is more than `tolerance` worse than the
 * baseline's, or when any part of it failed.
 */
export interface Guarded {
  /** Benchmark part that measures the figure (its results are skipped when the part did not run). */
  part: string;
  key: string;
  /** Figure the value is divided by; absent: the value itself is compared. */
  anchor?: string;
  better: 'higher' | 'lower';
  /** false: shown beside the baseline, never fails the run (figures too noisy or shared to gate). */
  gate?: boolean;
}

const ratioTo = (part: string, key: string, anchor: string, better: Guarded['better'], gate = true): Guarded => ({ part, key, anchor, better, gate });
const absolute = (part: string, key: string, better: Guarded['better'], gate = true): Guarded => ({ part, key, better, gate });

/** What the guard compares; the reasons for each choice are in docs/performance.md. */
export const GUARDED: readonly Guarded[] = [
  ratioTo('updates', 'updates.keepalive.director.perS', 'updates.keepalive.ceiling.perS', 'higher'),
  ratioTo('updates', 'updates.keepalive.director.perS', 'updates.keepalive.bridge.perS', 'higher'),
  ratioTo('updates', 'updates.keepalive.director.p50', 'updates.keepalive.bridge.p50', 'lower'),
  ratioTo('updates', 'updates.keepalive.director.p99', 'updates.keepalive.bridge.p99', 'lower', false),
  ratioTo('updates', 'updates.fresh.director.perS', 'updates.fresh.ceiling.perS', 'higher'),
  absolute('updates', 'updates.keepalive.director.rssMb', 'lower'),
  ratioTo('tokens', 'tokens.authtokenverify.p50', 'tokens.bridge.p50', 'lower'),
  ratioTo('tokens', 'tokens.authtokenverify.p99', 'tokens.bridge.p99', 'lower', false),
  ratioTo('tokens', 'tokens.authtokenverify.cores', 'tokens.bridge.cores', 'lower'),
  ratioTo('tokens', 'tokens.resolveSession.p50', 'tokens.bridge.p50', 'lower'),
  ratioTo('tokens', 'tokens.resolveSession.p99', 'tokens.bridge.p99', 'lower', false),
  ratioTo('tokens', 'tokens.resolveSession.cores', 'tokens.bridge.cores', 'lower'),
  ratioTo('flow', 'flow.total.p50', 'flow.bareBun.p50', 'lower'),
  ratioTo('flow', 'flow.login.p50', 'flow.bareBun.p50', 'lower'),
  ratioTo('startup', 'startup.binary.p50', 'startup.bareBun.p50', 'lower'),
  ratioTo('startup', 'startup.source.p50', 'startup.bareBun.p50', 'lower'),
  absolute('startup', 'startup.director.source.idleRssMb', 'lower'),
  absolute('startup', 'startup.agent.source.idleRssMb', 'lower'),
  absolute('scale', 'scale.stateRssMb', 'lower'),
  ratioTo('scale', 'scale.list.typical.p50', 'scale.health.p50', 'lower'),
  ratioTo('scale', 'scale.list.starpool.p50', 'scale.health.p50', 'lower'),
  ratioTo('scale', 'scale.list.starserver.p50', 'scale.health.p50', 'lower'),
  absolute('scale', 'scale.cadence.cores', 'lower'),
  ratioTo('scale', 'scale.busy.perS', 'updates.keepalive.director.perS', 'higher'),
  absolute('fleet', 'enrol.issuePerS', 'higher'),
  ratioTo('ha', 'ha.ha.perS', 'ha.sqlite.perS', 'higher', false),
];

/** One guarded figure of a run: its value, its anchor's, and the ratio compared. */
interface GuardedValue {
  value: number;
  anchorValue?: number;
  ratio: number;
}

/** The baseline of one run size (full or BENCH_QUICK): the guarded ratios of one recorded run. */
interface BaselineSet {
  recordedFrom: { startedAt: string; commit: string };
  tolerance: number;
  figures: Record<string, GuardedValue>;
}

/** bench/baseline.json: one set per run size, as full and quick runs measure different sizes. */
export interface Baseline {
  full?: BaselineSet;
  quick?: BaselineSet;
}

/** What the guard needs of a run (bench/results/*.json has all of it). */
export interface GuardRun {
  startedAt: string;
  machine: { commit: string };
  config: { quick: boolean };
  /** Part name -> its result, or the error that stopped it. */
  parts: Record<string, object>;
  /** Present when the run built the fleet of agents (its figures are part "fleet"). */
  fleet?: object;
  figures: Figures;
}

const DEFAULT_TOLERANCE = 0.2;

/** The identity of a guarded figure: its key, and its anchor's when it has one. */
export const guardId = (guarded: Guarded) => (guarded.anchor ? `${guarded.key} / ${guarded.anchor}` : guarded.key);

function measure(guarded: Guarded, figures: Figures): GuardedValue | undefined {
  const value = figures[guarded.key];
  if (value === undefined || !Number.isFinite(value)) return undefined;
  if (!guarded.anchor) return { value, ratio: value };
  const anchorValue = figures[guarded.anchor];
  if (anchorValue === undefined || !Number.isFinite(anchorValue) || anchorValue === 0) return undefined;
  return { value, anchorValue, ratio: value / anchorValue };
}

const ran = (run: GuardRun, part: string) => (part === 'fleet' ? run.fleet !== undefined : part in run.parts);

/** The baseline set a run yields (its guarded ratios). */
export function baselineFrom(run: GuardRun, tolerance = DEFAULT_TOLERANCE): BaselineSet {
  const figures: Record<string, GuardedValue> = {};
  for (const entry of GUARDED) {
    const measured = measure(entry, run.figures);
    if (measured) figures[guardId(entry)] = measured;
  }
  return { recordedFrom: { startedAt: run.startedAt, commit: run.machine.commit }, tolerance, figures };
}

/**
 * The baseline after recording a run: the set of the run's size takes the run's ratios; figures of
 * parts the run did not include keep their recorded ratios (so one part can be re-recorded alone).
 */
export function updatedBaseline(previous: Baseline, run: GuardRun): Baseline {
  const size = run.config.quick ? 'quick' : 'full';
  const fresh = baselineFrom(run, previous[size]?.tolerance);
  const kept = Object.fromEntries(
    GUARDED.filter((entry) => !ran(run, entry.part))
      .map((entry) => [guardId(entry), previous[size]?.figures[guardId(entry)]] as const)
      .filter((entry): entry is readonly [string, GuardedValue] => entry[1] !== undefined),
  );
  return { ...previous, [size]: { ...fresh, figures: { ...kept, ...fresh.figures } } };
}

/** One line of a comparison. */
interface Comparison {
  id: string;
  verdict: 'ok' | 'FAIL' | 'recorded' | 'not run' | 'new';
  now?: GuardedValue;
  base?: GuardedValue;
  /** now.ratio / base.ratio - 1, signed (negative = lower than the baseline). */
  change?: number;
  note?: string;
}

interface ComparisonResult {
  ok: boolean;
  lines: Comparison[];
  /** Parts that ended in an error: the run fails whatever its figures. */
  failedParts: string[];
  tolerance: number;
}

/** Compares a run's guarded ratios with the baseline of its size. */
export function compareWithBaseline(run: GuardRun, baseline: Baseline): ComparisonResult {
  const size = run.config.quick ? 'quick' : 'full';
  const set = baseline[size];
  const failedParts = Object.entries(run.parts)
    .filter(([, result]) => 'error' in result)
    .map(([part]) => part);
  if (!set)
    return {
      ok: false,
      failedParts,
      tolerance: DEFAULT_TOLERANCE,
      lines: [{ id: `baseline (${size} run)`, verdict: 'FAIL', note: `bench/baseline.json has no ${size}-run baseline: record one with --update-baseline` }],
    };
  const lines: Comparison[] = [];
  for (const entry of GUARDED) {
    const id = guardId(entry);
    const base = set.figures[id];
    if (!ran(run, entry.part)) {
      lines.push({ id, verdict: 'not run' });
      continue;
    }
    const now = measure(entry, run.figures);
    if (!now) {
      // A part that ran but lost a guarded figure (or its anchor) has broken, unless it failed outright.
      lines.push({
        id,
        verdict: 'FAIL',
        base,
        note: `missing from this run${entry.anchor && entry.anchor.split('.')[0] !== entry.key.split('.')[0] ? ` (the anchor is measured by another part: run both)` : ''}`,
      });
      continue;
    }
    if (!base) {
      lines.push({ id, verdict: 'new', now, note: 'not in the baseline' });
      continue;
    }
    const change = now.ratio / base.ratio - 1;
    const worse = entry.better === 'higher' ? change < -set.tolerance : change > set.tolerance;
    lines.push({ id, verdict: !worse ? 'ok' : entry.gate === false ? 'recorded' : 'FAIL', now, base, change, ...(worse && entry.gate === false ? { note: 'worse, not gated' } : {}) });
  }
  return { ok: failedParts.length === 0 && lines.every((line) => line.verdict !== 'FAIL'), lines, failedParts, tolerance: set.tolerance };
}

const fmt = (x: number | undefined) => (x === undefined ? '' : Math.abs(x) >= 100 ? String(Math.round(x)) : String(Math.round(x * 1000) / 1000));

/** The comparison as a text table (also valid Markdown), with the verdict at the end. */
export function formatComparison(result: ComparisonResult): string {
  const head = ['figure (/ anchor)', 'value', 'anchor', 'ratio', 'baseline ratio', 'change', 'verdict'];
  const cells = result.lines.map((line) => [
    line.id,
    fmt(line.now?.value),
    fmt(line.now?.anchorValue),
    fmt(line.now?.ratio),
    fmt(line.base?.ratio),
    line.change === undefined ? '' : `${line.change >= 0 ? '+' : ''}${Math.round(line.change * 100)} %`,
    `${line.verdict}${line.note ? `: ${line.note}` : ''}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const out = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  const verdict = result.ok
    ? `guard: PASS (every gated ratio within ${Math.round(result.tolerance * 100)} % of the baseline, every part green)`
    : `guard: FAIL${result.failedParts.length ? ` (parts that failed: ${result.failedParts.join(', ')})` : ''}${
        result.lines.some((l) => l.verdict === 'FAIL')
          ? ` (figures: ${result.lines
              .filter((l) => l.verdict === 'FAIL')
              .map((l) => l.id)
              .join('; ')})`
          : ''
      }`;
  return [out(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(out), '', verdict].join('\n');
}
