import { join } from 'node:path';
import type { BenchConfig } from '../lib/config.ts';
import { startDirector } from '../lib/director.ts';
import type { Fleet } from '../lib/fleet.ts';
import { round } from '../lib/http.ts';
import { runLoad, watch } from '../lib/proc.ts';
import { row, type PartResult, type Row } from '../lib/report.ts';

const load = (f: string) => join(import.meta.dir, '..', 'load', f);

interface UpdateRun {
  mode: string;
  perS: number;
  errors: number;
  firstError: string;
  latencyMs: { p50: number; p99: number };
  targetCpuCores: number;
  targetRssMb: number;
  handshakes: { full: number; resumed: number };
}

/**
 * Part 1: K enrolled agents POST /v1/agent/update over mTLS, keep-alive and a new connection per
 * update, against the director and, side by side, a bare Bun.serve mTLS endpoint (the ceiling).
 */
export async function updatesPart(cfg: BenchConfig, fleet: Fleet, log: (s: string) => void): Promise<PartResult> {
  const director = await startDirector({ dir: fleet.dir });
  const serve = (name: string) => watch(name, Bun.spawn([process.execPath, load(`${name}-server.ts`), director.dataDir], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }));
  const ceiling = serve('ceiling');
  const bridge = serve('bridge');
  const raw: Record<string, UpdateRun> = {};
  const rows: Row[] = [];
  // The fleet these updates come from was enrolled through the API (lib/fleet.ts): its issuance rate
  // (target: >= 1,000/s on 2 cores).
  const enrol = fleet.enrol;
  if (enrol.issueLatencyMs) {
    rows.push(
      row('1 updates', 'enrolment: certificates issued/s (pre-generated CSRs, keep-alive)', enrol.issuePerS, '/s'),
      row('1 updates', 'enrolment: certificate collection p50 / p99', `${enrol.issueLatencyMs.p50} / ${enrol.issueLatencyMs.p99}`, 'ms'),
    );
  }
  try {
    const ceilingPort = (await ceiling.next('ceiling listening')).port as number;
    const bridgePort = (await bridge.next('bridge listening')).port as number;
    const targets = [
      ['director', director.port, director.proc.pid],
      ['bridge', bridgePort, bridge.pid],
      ['ceiling', ceilingPort, ceiling.pid],
    ] as const;
    for (const mode of ['keepalive', 'fresh'] as const) {
      for (const [name, port, pid] of targets) {
        log(`updates: ${cfg.agents} agents, ${mode}, against the ${name}`);
        const run = await runLoad<UpdateRun>(load('updates.ts'), {
          port,
          caPem: director.caPem,
          identitiesFile: fleet.identitiesFile,
          agents: cfg.agents,
          mode,
          // Handshake-bound phases settle fast; keep them short to bound the whole run.
          durationS: mode === 'fresh' ? Math.min(cfg.durationS, 6) : cfg.durationS,
          concurrency: cfg.concurrency,
          sessionsPerAgent: cfg.sessionsPerAgent,
          targetPid: pid,
        });
        if (run.errors) throw new Error(`${name} ${mode}: ${run.errors} failed updates, first: ${run.firstError}`);
        raw[`${name}-${mode}`] = run;
      }
      const ours = raw[`director-${mode}`]!;
      const ceil = raw[`ceiling-${mode}`]!;
      const br = raw[`bridge-${mode}`]!;
      const ratio = round(ours.perS / ceil.perS, 3);
      const label = mode === 'keepalive' ? 'keep-alive' : 'new TLS conn/update';
      rows.push(
        row('1 updates', `${label}: director updates/s`, ours.perS, '/s'),
        row('1 updates', `${label}: director p50 / p99`, `${ours.latencyMs.p50} / ${ours.latencyMs.p99}`, 'ms'),
        row('1 updates', `${label}: director CPU, RSS`, `${ours.targetCpuCores} cores, ${ours.targetRssMb} MB`),
        row('1 updates', `${label}: bridge only (secure-server.ts, no director logic) updates/s`, br.perS, '/s'),
        row('1 updates', `${label}: bridge only p50 / p99, CPU`, `${br.latencyMs.p50} / ${br.latencyMs.p99} ms, ${br.targetCpuCores} cores`),
        row('1 updates', `${label}: ceiling (bare Bun.serve mTLS) updates/s`, ceil.perS, '/s'),
        row('1 updates', `${label}: ceiling p50 / p99, CPU`, `${ceil.latencyMs.p50} / ${ceil.latencyMs.p99} ms, ${ceil.targetCpuCores} cores`),
        row('1 updates', `${label}: ours / ceiling`, ratio, '', mode === 'keepalive' ? { text: '>= 0.6', ok: ratio >= 0.6 } : undefined),
        row('1 updates', `${label}: TLS handshakes in window (full/resumed)`, `${ours.handshakes.full}/${ours.handshakes.resumed}`),
      );
    }
  } finally {
    await bridge.stop();
    await ceiling.stop();
    await director.stop();
  }
  return { rows, raw: { agents: cfg.agents, concurrency: cfg.concurrency, durationS: cfg.durationS, sessionsPerAgent: cfg.sessionsPerAgent, runs: raw } };
}
