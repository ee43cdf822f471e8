import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchConfig } from '../lib/config.ts';
import { ADMIN, startDirector } from '../lib/director.ts';
import { call } from '../../scripts/lib/https.ts';
import type { Summary } from '../lib/http.ts';
import { runLoad, watch } from '../lib/proc.ts';
import { row, type Figures, type PartResult, type Row } from '../lib/report.ts';
import type { Identity } from '../load/enrol.ts';

const load = (f: string) => join(import.meta.dir, '..', 'load', f);

interface RateRun {
  perS: number;
  requests: number;
  errors: number;
  firstError: string;
  latencyMs: Summary;
  /** The warm-up's requests, at the same rate (the JIT still compiling). */
  warmupLatencyMs: Summary;
  serviceMs: Summary;
  targetCpuCores: number;
  /** Absent where the kernel keeps no schedstat. */
  targetWaitMsPerS?: number;
  targetPreemptedPerS?: number;
}

/** The scheduler's share of a tail: how long the target's main thread waited runnable, and how often it was preempted. */
const waited = (run: RateRun) => (run.targetWaitMsPerS === undefined ? 'not kept by this kernel' : `${run.targetWaitMsPerS} ms/s, preempted ${run.targetPreemptedPerS}/s`);

const USES = 100;

/**
 * Part 2: the two routes AWS software calls, at a fixed rate (after a warm-up at the same rate, whose
 * latencies are reported on their own rows): DCV server's authtokenverify (form POST,
 * real connection tokens for a real session, every answer must be "yes") and the Connection Gateway's
 * resolveSession; then the same rate against the director's HTTPS bridge alone (the latency and CPU
 * anchor of the regression guard: what the client, TLS and the bridge cost at this rate on this
 * machine; the bare Bun.serve ceiling answers in well under 0.1 ms, too little to divide by).
 */
export async function tokensPart(cfg: BenchConfig, log: (s: string) => void): Promise<PartResult> {
  const user = 'user00000';
  const director = await startDirector({
    config: { connection_token_max_uses: USES },
    passwords: { [user]: 'pw' },
    policy: { users: { admins: [ADMIN.user], users: { [user]: { servers: ['*'], pools: [] } }, groups: {} }, pools: { pools: {} } },
  });
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const figures: Figures = { 'tokens.rate': cfg.rate };
  try {
    // One enrolled agent reports a session owned by user00000 (updates.ts names it ws0-s0).
    const admin = await director.login(ADMIN.user, ADMIN.password, 'admin');
    const identitiesFile = join(director.dir, 'identities.json');
    await runLoad(load('enrol.ts'), { url: director.url, caPem: director.caPem, adminCookie: admin, count: 1, hostPrefix: 'ws', concurrency: 1, out: identitiesFile });
    const sent = await runLoad<{ errors: number; firstError: string }>(load('updates.ts'), {
      port: director.port,
      caPem: director.caPem,
      identitiesFile,
      agents: 1,
      mode: 'fresh',
      once: true,
      durationS: 0,
      concurrency: 1,
      sessionsPerAgent: 2,
      targetPid: director.proc.pid,
    });
    if (sent.errors) throw new Error(`update: ${sent.firstError}`);
    const sessionId = 'ws0-s0';
    const cookie = await director.login(user, 'pw');
    // Each token opens at most USES connections; the warm-up uses tokens too.
    const total = Math.round(cfg.rate * (cfg.rateDurationS + cfg.rateWarmupS));
    const tokenCount = Math.ceil(total / (USES - 5));
    const tokens: string[] = [];
    for (let issuedCount = 0; issuedCount < tokenCount; issuedCount++) {
      const issued = await call(`${director.url}/v1/user/connectiontoken?sessionId=${sessionId}`, { ca: director.caPem, cookie });
      if (issued.status !== 200) throw new Error(`connection token: ${issued.status} ${issued.text}`);
      tokens.push(issued.json.token);
    }
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const kinds = {
      authtokenverify: {
        expectText: '<auth result="yes"><username>user00000</username></auth>',
        requests: tokens.map((t) => ({
          method: 'POST',
          path: '/v1/user/authtokenverify',
          headers: form,
          body: new URLSearchParams({ sessionId, authenticationToken: t, clientAddress: '192.0.2.10' }).toString(),
        })),
      },
      resolveSession: {
        expectText: '"DcvServerEndpoint":"ws0"',
        requests: [{ method: 'POST', path: `/resolveSession?sessionId=${sessionId}&transport=HTTP&clientIpAddress=192.0.2.1`, headers: {}, body: '' }],
      },
    };
    for (const [name, kind] of Object.entries(kinds)) {
      log(`tokens: ${name} at ${cfg.rate}/s for ${cfg.rateWarmupS} s (warm-up) + ${cfg.rateDurationS} s`);
      const run = await runLoad<RateRun>(load('fixed-rate.ts'), {
        port: director.port,
        caPem: director.caPem,
        rate: cfg.rate,
        durationS: cfg.rateDurationS,
        warmupS: cfg.rateWarmupS,
        connections: 8,
        ...kind,
        targetPid: director.proc.pid,
      });
      if (run.errors) throw new Error(`${name}: ${run.errors} bad answers, first: ${run.firstError}`);
      raw[name] = run;
      Object.assign(figures, {
        [`tokens.${name}.perS`]: run.perS,
        [`tokens.${name}.p50`]: run.latencyMs.p50,
        [`tokens.${name}.p99`]: run.latencyMs.p99,
        [`tokens.${name}.warmupP99`]: run.warmupLatencyMs.p99,
        [`tokens.${name}.cores`]: run.targetCpuCores,
        ...(run.targetWaitMsPerS === undefined ? {} : { [`tokens.${name}.waitMsPerS`]: run.targetWaitMsPerS }),
      });
      rows.push(
        row('2 tokens', `${name}: achieved rate (${run.requests} requests)`, run.perS, '/s', `tokens.${name}.perS`),
        row('2 tokens', `${name}: p50 / p99 (from due time)`, `${run.latencyMs.p50} / ${run.latencyMs.p99}`, 'ms', `tokens.${name}.p99`),
        row(
          '2 tokens',
          `${name}: p50 / p99 during the ${cfg.rateWarmupS} s warm-up before it (JavaScriptCore still compiling)`,
          `${run.warmupLatencyMs.p50} / ${run.warmupLatencyMs.p99}`,
          'ms',
          `tokens.${name}.warmupP99`,
        ),
        row('2 tokens', `${name}: director CPU`, run.targetCpuCores, 'cores', `tokens.${name}.cores`),
        row('2 tokens', `${name}: director main thread runnable but waiting for a CPU (run queue)`, waited(run), '', `tokens.${name}.waitMsPerS`),
      );
    }
    const bridge = await bridgeAtRate(cfg, director.dataDir, director.caPem, JSON.parse(readFileSync(identitiesFile, 'utf8'))[0]);
    raw.bridge = bridge;
    Object.assign(figures, {
      'tokens.bridge.p50': bridge.latencyMs.p50,
      'tokens.bridge.p99': bridge.latencyMs.p99,
      'tokens.bridge.cores': bridge.targetCpuCores,
      ...(bridge.targetWaitMsPerS === undefined ? {} : { 'tokens.bridge.waitMsPerS': bridge.targetWaitMsPerS }),
    });
    rows.push(
      row(
        '2 tokens',
        'bridge only (secure-server.ts, no director logic) at the same rate: p50 / p99 (from due time), CPU, main thread waiting',
        `${bridge.latencyMs.p50} / ${bridge.latencyMs.p99} ms, ${bridge.targetCpuCores} cores, ${waited(bridge)}`,
        '',
        'tokens.bridge.p99',
      ),
    );
  } finally {
    await director.stop();
  }
  return { rows, figures, raw };
}

/** The same open loop against the bridge alone (which asks for a client certificate: one agent's). */
async function bridgeAtRate(cfg: BenchConfig, dataDir: string, caPem: string, agent: Identity): Promise<RateRun> {
  const bridge = watch('bridge', Bun.spawn([process.execPath, load('bridge-server.ts'), dataDir], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }));
  try {
    const port = (await bridge.next('bridge listening')).port as number;
    const body = new URLSearchParams({ sessionId: 'ws0-s0', authenticationToken: 'x'.repeat(120), clientAddress: '192.0.2.10' }).toString();
    const run = await runLoad<RateRun>(load('fixed-rate.ts'), {
      port,
      caPem,
      rate: cfg.rate,
      durationS: Math.min(cfg.rateDurationS, 5),
      connections: 8,
      requests: [{ method: 'POST', path: '/v1/user/authtokenverify', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }],
      expectText: '"ok":true',
      targetPid: bridge.pid,
      clientCert: { certPem: agent.certPem, keyPem: agent.keyPem },
    });
    if (run.errors) throw new Error(`bridge: ${run.errors} bad answers, first: ${run.firstError}`);
    return run;
  } finally {
    await bridge.stop();
  }
}
