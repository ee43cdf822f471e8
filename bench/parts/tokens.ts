import { join } from 'node:path';
import type { BenchConfig } from '../lib/config.ts';
import { ADMIN, startDirector } from '../lib/director.ts';
import { call } from '../../scripts/lib/https.ts';
import type { Summary } from '../lib/http.ts';
import { runLoad } from '../lib/proc.ts';
import { row, type PartResult, type Row } from '../lib/report.ts';

const load = (f: string) => join(import.meta.dir, '..', 'load', f);

interface RateRun {
  perS: number;
  requests: number;
  errors: number;
  firstError: string;
  latencyMs: Summary;
  serviceMs: Summary;
  targetCpuCores: number;
}

const USES = 100;

/**
 * Part 2: the two routes AWS software calls, at a fixed rate: DCV server's authtokenverify (form POST,
 * real connection tokens for a real session, every answer must be "yes") and the Connection Gateway's
 * resolveSession.
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
  try {
    // One enrolled agent reports a session owned by user00000 (updates.ts names it ws0-s0).
    const admin = await director.login(ADMIN.user, ADMIN.password, 'admin');
    const identitiesFile = join(director.dir, 'identities.json');
    await runLoad(load('enrol.ts'), { url: director.url, caPem: director.caPem, adminCookie: admin, count: 1, hostPrefix: 'ws', concurrency: 1, out: identitiesFile });
    const sent = await runLoad<{ errors: number; firstError: string }>(load('updates.ts'), {
      port: director.port, caPem: director.caPem, identitiesFile, agents: 1, mode: 'fresh', once: true, durationS: 0, concurrency: 1, sessionsPerAgent: 2, targetPid: director.proc.pid,
    });
    if (sent.errors) throw new Error(`update: ${sent.firstError}`);
    const sessionId = 'ws0-s0';
    const cookie = await director.login(user, 'pw');
    // Each token opens at most USES connections; the 1 s warm-up uses tokens too.
    const total = Math.round(cfg.rate * (cfg.rateDurationS + 1));
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
        requests: tokens.map((t) => ({ method: 'POST', path: '/v1/user/authtokenverify', headers: form, body: new URLSearchParams({ sessionId, authenticationToken: t, clientAddress: '192.0.2.10' }).toString() })),
      },
      resolveSession: {
        expectText: '"DcvServerEndpoint":"ws0"',
        requests: [{ method: 'POST', path: `/resolveSession?sessionId=${sessionId}&transport=HTTP&clientIpAddress=192.0.2.1`, headers: {}, body: '' }],
      },
    };
    for (const [name, kind] of Object.entries(kinds)) {
      log(`tokens: ${name} at ${cfg.rate}/s for ${cfg.rateDurationS} s`);
      const run = await runLoad<RateRun>(load('fixed-rate.ts'), {
        port: director.port, caPem: director.caPem, rate: cfg.rate, durationS: cfg.rateDurationS, connections: 8, ...kind, targetPid: director.proc.pid,
      });
      if (run.errors) throw new Error(`${name}: ${run.errors} bad answers, first: ${run.firstError}`);
      raw[name] = run;
      rows.push(
        row('2 tokens', `${name}: achieved rate (${run.requests} requests)`, run.perS, '/s', { text: `${cfg.rate}/s`, ok: run.perS >= cfg.rate * 0.97 }),
        row('2 tokens', `${name}: p50 / p99 (from due time)`, `${run.latencyMs.p50} / ${run.latencyMs.p99}`, 'ms', { text: 'p99 < 5 ms', ok: run.latencyMs.p99 < 5 }),
        row('2 tokens', `${name}: director CPU`, run.targetCpuCores, 'cores'),
      );
    }
  } finally {
    await director.stop();
  }
  return { rows, raw };
}
