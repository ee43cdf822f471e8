import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricNamesIn } from '../helpers/prometheus.ts';
import { run } from '../helpers/run.ts';
import { testWith } from '../helpers/system-packages.ts';
import { repoRoot } from '../helpers/temp.ts';

/** packaging/grafana: the alert rules pass promtool, the dashboard is valid JSON with a query on every panel. */
describe('grafana packaging', () => {
  testWith(['prometheus'], 'ok: promtool check rules passes on the alert rules', async () => {
    const result = await run(['promtool', 'check', 'rules', join(repoRoot, 'packaging/grafana/dcvix-alerts.yml')], { allowFail: true });
    expect({ code: result.code, stderr: result.stderr.trim() }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('SUCCESS: 7 rules found');
    const rules = readFileSync(join(repoRoot, 'packaging/grafana/dcvix-alerts.yml'), 'utf8');
    for (const alert of ['DcvixDirectorDown', 'DcvixAgentCertificateExpiring', 'DcvixVerifierFailures', 'DcvixPlacementFailures', 'DcvixPlacementsFailing']) expect(rules).toContain(`alert: ${alert}`);
  });

  test('ok: the dashboard is valid JSON, every panel has a query and unique id', () => {
    const dashboard = JSON.parse(readFileSync(join(repoRoot, 'packaging/grafana/dcvix-dashboard.json'), 'utf8'));
    const panels = dashboard.panels as { id: number; type: string; targets?: { expr: string }[] }[];
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const panel of panels.filter((panel) => panel.type !== 'row')) expect(panel.targets!.every((t) => metricNamesIn(t.expr).length > 0)).toBe(true);
  });

  test('ok: metric names are read out of PromQL without functions, labels, ranges or grouping', () => {
    expect(metricNamesIn('histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job=~"$j",status=~"5.."}[5m])))')).toEqual(['http_request_duration_seconds_bucket']);
    expect(metricNamesIn('(dcvix_certificate_not_after_seconds{certificate="ca"} - time()) / 86400')).toEqual(['dcvix_certificate_not_after_seconds']);
    expect(metricNamesIn('sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 0.25 and on (x) c')).toEqual(['a_total', 'b_total', 'c']);
  });
});
