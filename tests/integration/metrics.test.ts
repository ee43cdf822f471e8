import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveAgent, dcvSim, DEFAULT_POLICY, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { metricNamesIn, promtoolCheckMetrics, sampleNames } from '../helpers/prometheus.ts';
import { testWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs, repoRoot } from '../helpers/temp.ts';

/**
 * Issue 16 (observability) through real processes: the director's /metrics and the agent's own
 * metrics listener after real traffic (login, placement, verifier, resolver, a failing dcv command),
 * checked by promtool; the Grafana dashboard's every metric is found in that output; log lines from
 * inside a request handler carry the request id.
 */
let director: DirectorHandle;
let agent: AgentHandle;
let agentMetricsUrl: string;
let directorText: string;
let agentText: string;
let created: { sessionId: string; requestId: string };

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });

beforeAll(async () => {
  // Alice may also use a pool whose only member never reports: placing there fails.
  const policy = {
    users: { ...DEFAULT_POLICY.users, users: { ...DEFAULT_POLICY.users.users, alice: { servers: [], pools: ['workstations', 'empty'] } } },
    pools: { pools: { ...DEFAULT_POLICY.pools.pools, empty: { description: 'No live member', servers: ['ws-never'] } } },
  };
  director = await startDirector({ policy });
  agent = await startAgent(director.url, { config: { hostname: 'ws-metrics', update_interval: '300ms' } });
  const metricsListening = await agent.proc.waitForMsg('agent metrics listening', 30_000);
  agentMetricsUrl = `http://127.0.0.1:${metricsListening.port}/metrics`;
  await approveAgent(director, agent);
  const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
  const placed = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
  expect(placed.status).toBe(200);
  created = { sessionId: placed.json.session.id, requestId: placed.headers.get('x-request-id')! };
  expect((await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'nope', sessionType: 'virtual' } })).status).toBe(404);
  expect((await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'empty', sessionType: 'virtual' } })).status).toBe(503);
  await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId: created.sessionId, authenticationToken: 'not-a-token' }) });
  await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId: '', authenticationToken: '' }) });
  await api('/resolveSession?sessionId=no-such-session&transport=HTTP', { method: 'POST' });
  // A dcv invocation that fails for real: create-session of an id the host already has.
  const port = await agent.port();
  const creds = director.clientCredentials();
  const clash = await call(`https://127.0.0.1:${port}/v1/sessions`, {
    method: 'POST',
    ...creds,
    json: { sessionId: created.sessionId, userId: 'alice', sessionType: 'virtual' },
    checkServerIdentity: () => undefined,
  });
  expect(clash.status).toBeGreaterThanOrEqual(400);
  // A create that fails on the host (licenses): a host-side placement failure, the server unhealthy.
  await dcvSim(agent, 'sim-fail', 'create-session=licenses');
  expect((await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations', sessionType: 'console' } })).status).toBe(503);
  await dcvSim(agent, 'sim-fail', '--clear');
  directorText = (await api('/metrics')).text;
  agentText = await eventually(
    async () => {
      const text = await (await fetch(agentMetricsUrl)).text();
      return /dcvix_agent_updates_total\{outcome="success"\} [1-9]/.test(text) && text;
    },
    15_000,
    'a counted update',
  );
}, 90_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

describe('metrics', () => {
  testWith(['prometheus'], 'ok: the director /metrics passes promtool check metrics', async () => {
    expect(await promtoolCheckMetrics(directorText)).toEqual({ code: 0, problems: '' });
  });

  test('ok: the director shows the request histogram by route template, build_info and process metrics', () => {
    expect(directorText).toContain('# TYPE http_request_duration_seconds histogram');
    expect(directorText).toMatch(/http_request_duration_seconds_bucket\{le="0\.1",route="\/v1\/user\/sessions",method="POST",status="200"\} \d+/);
    expect(directorText).toContain('http_request_duration_seconds_count{route="/v1/admin/agents/:guid/approve",method="POST",status="200"} 1');
    expect(directorText).not.toMatch(/route="[^"]*[0-9a-f]{8}-[0-9a-f]{4}/); // no raw GUID in any route label
    expect(directorText).toMatch(/dcvix_build_info\{version="[^"]+",revision="[^"]+"\} 1/);
    expect(directorText).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(directorText).toMatch(/^process_cpu_seconds_total [\d.]+/m);
  });

  test('ok: the director counts verifier, resolver and placement outcomes and reads state gauges', () => {
    expect(directorText).toContain('dcvix_verifier_requests_total{result="no",reason="token_rejected"} 1');
    expect(directorText).toContain('dcvix_verifier_requests_total{result="no",reason="malformed_request"} 1');
    expect(directorText).toContain('dcvix_resolver_requests_total{result="no",reason="SESSION_NOT_FOUND"} 1');
    expect(directorText).toContain('# TYPE dcvix_placement_duration_seconds histogram');
    expect(directorText).toMatch(/dcvix_placement_duration_seconds_count\{outcome="placed"\} 1/);
    expect(directorText).toMatch(/dcvix_placement_duration_seconds_count\{outcome="refused"\} 1/);
    expect(directorText).toMatch(/dcvix_placement_duration_seconds_count\{outcome="failed"\} 2/);
    expect(directorText).toContain('dcvix_placement_failures_total{reason="LICENSES_EXHAUSTED"} 1');
    expect(directorText).toMatch(/dcvix_sessions\{pool="workstations",type="virtual",state="(un)?confirmed"\} 1/);
    expect(directorText).toContain('dcvix_agents{state="registered"} 1');
    expect(directorText).toContain('dcvix_servers{health="unhealthy"} 1');
    expect(directorText).toContain('dcvix_servers{health="healthy"} 0');
    expect(directorText).toContain('dcvix_servers{health="offline"} 0');
    expect(directorText).toMatch(/dcvix_certificate_not_after_seconds\{certificate="director"\} \d+/);
    expect(directorText).toMatch(/dcvix_certificate_not_after_seconds\{certificate="ca"\} \d+/);
  });

  testWith(['prometheus'], 'ok: the agent metrics listener passes promtool and shows dcv durations, failures, updates, sessions, expiry', async () => {
    expect(await promtoolCheckMetrics(agentText)).toEqual({ code: 0, problems: '' });
    expect(agentText).toContain('# TYPE dcvix_agent_dcv_command_duration_seconds histogram');
    expect(agentText).toMatch(/dcvix_agent_dcv_command_duration_seconds_count\{command="list-sessions"\} [1-9]/);
    expect(agentText).toMatch(/dcvix_agent_dcv_command_duration_seconds_count\{command="create-session"\} 3/);
    expect(agentText).toContain('dcvix_agent_dcv_command_failures_total{command="create-session",reason="exit_status"} 2');
    expect(agentText).toContain('dcvix_agent_sessions{type="virtual"} 1');
    const expiry = Number(agentText.match(/^dcvix_agent_certificate_expiry_seconds ([\d.e+]+)$/m)?.[1]);
    expect(expiry).toBeGreaterThan(13 * 86400);
    expect(expiry).toBeLessThanOrEqual(14 * 86400);
    expect(agentText).toMatch(/dcvix_build_info\{version="[^"]+",revision="[^"]+"\} 1/);
    expect(agentText).toMatch(/^process_resident_memory_bytes \d+/m);
    expect((await fetch(agentMetricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });

  test('ok: every metric a Grafana dashboard panel reads exists in the real director or agent output', () => {
    const dashboard = JSON.parse(readFileSync(join(repoRoot, 'packaging/grafana/dcvix-dashboard.json'), 'utf8'));
    const exported = new Set([...sampleNames(directorText), ...sampleNames(agentText)]);
    const panels = (dashboard.panels as { type: string; title: string; targets?: { expr: string }[] }[]).filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const panel of panels) {
      expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
      for (const { expr } of panel.targets!) {
        const names = metricNamesIn(expr);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) if (!exported.has(name)) missing.push(`${panel.title}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('ok: a log line written inside a request handler carries that request id', async () => {
    const line = await director.proc.waitFor((l) => l.includes('"msg":"session created"') && l.includes(created.sessionId));
    expect(JSON.parse(line).requestId).toBe(created.requestId);
    const verifier = await director.proc.waitForMsg('auth token verification');
    expect(verifier.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('ok: an agent with metrics_enabled = false opens no metrics listener', async () => {
    const quiet = await startAgent(director.url, { config: { hostname: 'ws-no-metrics', metrics_enabled: false } });
    try {
      await quiet.proc.waitForMsg('registration pending approval', 30_000);
      expect(quiet.proc.count('agent metrics listening')).toBe(0);
    } finally {
      await quiet.stop();
    }
  });

  test('ok: an agent whose metrics port is taken logs it and still registers', async () => {
    const taken = Number(new URL(agentMetricsUrl).port);
    const second = await startAgent(director.url, { config: { hostname: 'ws-port-taken', metrics_port: taken } });
    try {
      const failed = await second.proc.waitForMsg('agent metrics listener failed; running without it', 30_000);
      expect(failed.port).toBe(taken);
      await second.proc.waitForMsg('registration pending approval', 30_000);
    } finally {
      await second.stop();
    }
  });
});
