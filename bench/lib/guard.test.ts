import { describe, expect, test } from 'bun:test';
import { baselineFrom, compareWithBaseline, formatComparison, GUARDED, updatedBaseline, type GuardRun } from './guard.ts';

/** A synthetic full run: every guarded figure and anchor present, every part green. */
function run(changes: Record<string, number> = {}, extra: Partial<GuardRun> = {}): GuardRun {
  const figures: Record<string, number> = {};
  for (const entry of GUARDED) figures[entry.key] = 100;
  // Anchors that are not guarded figures themselves (the ceiling, the bridge, a bare start).
  for (const entry of GUARDED) if (entry.anchor && !(entry.anchor in figures)) figures[entry.anchor] = 50;
  const parts = Object.fromEntries([...new Set(GUARDED.map((entry) => entry.part))].filter((p) => p !== 'fleet').map((p) => [p, { rows: [] }]));
  return { startedAt: '2026-12-07T00:00:00.000Z', machine: { commit: 'abc1234' }, config: { quick: false }, parts, fleet: {}, figures: { ...figures, ...changes }, ...extra };
}

const baseline = { full: baselineFrom(run()) };
const failed = (result: ReturnType<typeof compareWithBaseline>) => result.lines.filter((l) => l.verdict === 'FAIL').map((l) => l.id);

describe('regression guard', () => {
  test('ok: the run the baseline came from passes', () => {
    const result = compareWithBaseline(run(), baseline);
    expect(failed(result)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(formatComparison(result)).toContain('guard: PASS');
  });

  test('rejects: keep-alive updates 30 % slower against the same ceiling, start-up 30 % slower against the same bare bun start', () => {
    const slowed = run({ 'updates.keepalive.director.perS': 70, 'startup.binary.p50': 130 });
    const result = compareWithBaseline(slowed, baseline);
    expect(result.ok).toBe(false);
    expect(failed(result)).toEqual([
      'updates.keepalive.director.perS / updates.keepalive.ceiling.perS',
      'updates.keepalive.director.perS / updates.keepalive.bridge.perS',
      'startup.binary.p50 / startup.bareBun.p50',
      // the big-state updates are compared with the small-state ones: they look 43 % better, which is fine
    ]);
    const line = result.lines.find((l) => l.id === 'startup.binary.p50 / startup.bareBun.p50')!;
    expect(line.change).toBeCloseTo(0.3, 5);
    expect(formatComparison(result)).toContain('guard: FAIL');
  });

  test('ok: within 20 % (keep-alive 15 % slower, start-up 15 % slower, RSS 19 % higher)', () => {
    const result = compareWithBaseline(run({ 'updates.keepalive.director.perS': 85, 'startup.binary.p50': 115, 'scale.stateRssMb': 119 }), baseline);
    expect(failed(result)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  test('ok: a slower machine moves figure and anchor together and passes', () => {
    // Everything 40 % slower: throughputs and their ceilings fall together, latencies and the bare start rise together.
    const slow = run();
    for (const key of Object.keys(slow.figures)) slow.figures[key]! *= /pers$/i.test(key) ? 0.6 : 1.4;
    const result = compareWithBaseline(slow, baseline);
    // Only the figures with no anchor move (memory and CPU are compared as they are).
    expect(failed(result)).toEqual(GUARDED.filter((entry) => !entry.anchor && entry.gate !== false).map((entry) => entry.key));
  });

  test('rejects: a lower-is-better figure more than 20 % up, and a higher-is-better one more than 20 % down without an anchor', () => {
    const result = compareWithBaseline(run({ 'scale.stateRssMb': 121, 'enrol.issuePerS': 79 }), baseline);
    expect(failed(result)).toEqual(['scale.stateRssMb', 'enrol.issuePerS']);
  });

  test('ok: an ungated figure that got worse is shown, not failed', () => {
    const result = compareWithBaseline(run({ 'ha.ha.perS': 10 }), baseline);
    expect(result.ok).toBe(true);
    expect(result.lines.find((l) => l.id === 'ha.ha.perS / ha.sqlite.perS')!.verdict).toBe('recorded');
  });

  test('rejects: a part that failed fails the run whatever the figures', () => {
    const broken = run();
    broken.parts.store = { error: 'store: timed out' };
    const result = compareWithBaseline(broken, baseline);
    expect(result.ok).toBe(false);
    expect(result.failedParts).toEqual(['store']);
    expect(formatComparison(result)).toContain('parts that failed: store');
  });

  test('rejects: a part that ran but lost a guarded figure', () => {
    const lost = run();
    delete lost.figures['tokens.bridge.p50'];
    expect(failed(compareWithBaseline(lost, baseline))).toEqual(['tokens.authtokenverify.p50 / tokens.bridge.p50', 'tokens.resolveSession.p50 / tokens.bridge.p50']);
  });

  test('ok: parts not run are skipped', () => {
    const some = run();
    some.parts = { startup: {} };
    delete some.fleet;
    const result = compareWithBaseline(some, baseline);
    expect(result.ok).toBe(true);
    expect(result.lines.find((l) => l.id === 'scale.stateRssMb')!.verdict).toBe('not run');
  });

  test('rejects: a quick run without a quick baseline', () => {
    const result = compareWithBaseline(run({}, { config: { quick: true } }), baseline);
    expect(result.ok).toBe(false);
    expect(result.lines[0]!.note).toContain('no quick-run baseline');
  });

  test("ok: recording one part keeps the other parts' baseline and adds a quick set beside the full one", () => {
    const only = run({ 'startup.binary.p50': 200 });
    only.parts = { startup: {} };
    delete only.fleet;
    const updated = updatedBaseline(baseline, only);
    expect(updated.full!.figures['startup.binary.p50 / startup.bareBun.p50']!.ratio).toBe(4);
    expect(updated.full!.figures['scale.stateRssMb']).toEqual(baseline.full.figures['scale.stateRssMb']!);
    const quick = updatedBaseline(updated, run({}, { config: { quick: true } }));
    expect(quick.full).toEqual(updated.full);
    expect(quick.quick!.figures['scale.stateRssMb']!.ratio).toBe(100);
  });
});
