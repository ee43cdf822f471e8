import { describe, expect, test } from 'bun:test';
import { row } from './report.ts';
import { applyTargets } from './targets.ts';

describe('targets beside the rows', () => {
  test('ok: a row with a target key gets the target and whether its figure meets it', () => {
    const rows = [row('1 updates', 'ours / bridge', 0.9, '', 'updates.keepalive.vsBridge'), row('1 updates', 'ours / ceiling', 0.2, '', 'updates.keepalive.vsCeiling')];
    applyTargets(rows, { 'updates.keepalive.vsBridge': 0.9, 'updates.keepalive.vsCeiling': 0.2 });
    expect(rows.map((line) => [line.target, line.pass])).toEqual([
      ['>= 0.85', true],
      ['>= 0.35', false],
    ]);
  });

  test('ok: the figure decides, not the text the row shows (p50 / p99 in one row)', () => {
    const rows = [row('2 tokens', 'authtokenverify: p50 / p99', '0.3 / 2.5', 'ms', 'tokens.authtokenverify.p99')];
    applyTargets(rows, { 'tokens.authtokenverify.p99': 2.5 });
    expect([rows[0]!.target, rows[0]!.pass]).toEqual(['p99 < 2 ms', false]);
  });

  test("ok: the enrolment generator's own row is matched by its name", () => {
    const rows = [row('enrol', 'enrolment: certificates issued/s (pre-generated CSRs, keep-alive)', 1200, '/s')];
    applyTargets(rows, {});
    expect([rows[0]!.target, rows[0]!.pass]).toEqual(['>= 1,000/s', true]);
  });

  test('rejects: a target row whose figure is missing or not a number is not met; rows without targets stay plain', () => {
    const rows = [row('5 scale', 'RSS', 'n/a', 'MB', 'scale.stateRssMb'), row('5 scale', 'populate', 900, '/s', 'scale.populatePerS')];
    applyTargets(rows, {});
    expect(rows[0]!.pass).toBe(false);
    expect(rows[1]!.target).toBeUndefined();
  });
});
