import { afterAll, describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricNamesIn } from '../helpers/prometheus.ts';
import { run } from '../helpers/run.ts';
import { testWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs, repoRoot, tempDir } from '../helpers/temp.ts';

/** packaging/grafana: the alert rules pass promtool (and a promtool unit test of one), the dashboard is valid JSON with a query on every panel. */
describe('grafana packaging', () => {
  testWith(['prometheus'], 'ok: promtool check rules passes on the alert rules', async () => {
    const result = await run(['promtool', 'check', 'rules', join(repoRoot, 'packaging/grafana/dcvix-alerts.yml')], { allowFail: true });
    expect({ code: result.code, stderr: result.stderr.trim() }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('SUCCESS: 7 rules found');
    const rules = readFileSync(join(repoRoot, 'packaging/grafana/dcvix-alerts.yml'), 'utf8');
    for (const alert of ['DcvixDirectorDown', 'DcvixAgentCertificateExpiring', 'DcvixVerifierFailures', 'DcvixPlacementFailures', 'DcvixPlacementsFailing']) expect(rules).toContain(`alert: ${alert}`);
  });

  afterAll(() => cleanupTempDirs());

  testWith(['prometheus'], "ok: the director's agent certificate alert stays quiet around 12 h left (where healthy Go agents renew) and fires 30 min after under 10 h", async () => {
    const alertname = 'DcvixAgentCertificateExpiringSeenByDirector';
    // promtool's clock starts at 0: a not-after of 43200 s is 12 h left at the start, 10 h left at 2 h.
    const unitTests = {
      rule_files: [join(repoRoot, 'packaging/grafana/dcvix-alerts.yml')],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [{ series: 'dcvix_certificate_not_after_seconds{job="dcvix-director",certificate="agent_soonest"}', values: '43200+0x240' }],
          alert_rule_test: [
            { eval_time: '5m', alertname, exp_alerts: [] },
            { eval_time: '1h', alertname, exp_alerts: [] },
            { eval_time: '2h20m', alertname, exp_alerts: [] },
            {
              eval_time: '2h40m',
              alertname,
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', job: 'dcvix-director', certificate: 'agent_soonest' },
                  exp_annotations: {
                    summary: 'A registered agent certificate expires in 9h 20m 0s',
                    description: readRuleAnnotation(alertname, 'description'),
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const file = join(tempDir('dcvix-rules-'), 'alerts.test.yml');
    writeFileSync(file, JSON.stringify(unitTests));
    const result = await run(['promtool', 'test', 'rules', file], { allowFail: true });
    expect({ code: result.code, out: result.stdout + result.stderr }).toMatchObject({ code: 0 });
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

/** An annotation of an alert rule, read from the rules file. */
function readRuleAnnotation(alert: string, key: string): string {
  const rules = Bun.YAML.parse(readFileSync(join(repoRoot, 'packaging/grafana/dcvix-alerts.yml'), 'utf8')) as { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] };
  return rules.groups.flatMap((group) => group.rules).find((rule) => rule.alert === alert)!.annotations![key]!;
}
