import { join } from 'node:path';
import type { BenchConfig } from '../lib/config.ts';
import { startDirector } from '../lib/director.ts';
import type { Fleet } from '../lib/fleet.ts';
import { round } from '../lib/http.ts';
import { runLoad, watch } from '../lib/proc.ts';
import { row, type Figures, type PartResult, type Row } from '../lib/report.ts';
import type { SweepPoint } from '../lib/sweep-svg.ts';

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

/** The sweep's agent counts: an eighth, a quarter, half and all of the part's agents. */
const SWEEP_FRACTIONS = [8, 4, 2, 1];

/**
 * Part 1: K enrolled agents POST /v1/agent/update over mTLS, keep-alive and a new connection per
 * update, against the director and, side by side, a bare Bun.serve mTLS endpoint (the ceiling) and
 * the director's HTTPS bridge with no director logic; then the director alone with K/8, K/4, K/2 and
 * K agents kept alive, back to back (the sweep the plot shows).
 */
export async function updatesPart(cfg: BenchConfig, fleet: Fleet, log: (s: string) => void): Promise<PartResult & { sweep: SweepPoint[] }> {
  const director = await startDirector({ dir: fleet.dir });
  const serve = (name: string) => watch(name, Bun.spawn([process.execPath, load(`${name}-server.ts`), director.dataDir], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }));
  const ceiling = serve('ceiling');
  const bridge = serve('bridge');
  const raw: Record<string, UpdateRun> = {};
  const rows: Row[] = [];
  const figures: Figures = {};
  const sweep: SweepPoint[] = [];
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
        const at = `updates.${mode}.${name}`;
        Object.assign(figures, { [`${at}.perS`]: run.perS, [`${at}.p50`]: run.latencyMs.p50, [`${at}.p99`]: run.latencyMs.p99, [`${at}.cores`]: run.targetCpuCores, [`${at}.rssMb`]: run.targetRssMb });
      }
      const ours = raw[`director-${mode}`]!;
      const ceil = raw[`ceiling-${mode}`]!;
      const br = raw[`bridge-${mode}`]!;
      const vsCeiling = round(ours.perS / ceil.perS, 3);
      const vsBridge = round(ours.perS / br.perS, 3);
      Object.assign(figures, { [`updates.${mode}.vsCeiling`]: vsCeiling, [`updates.${mode}.vsBridge`]: vsBridge });
      const label = mode === 'keepalive' ? `keep-alive, ${cfg.agents} agents` : `new TLS conn/update, ${cfg.agents} agents`;
      const key = (k: string) => `updates.${mode}.${k}`;
      rows.push(
        row('1 updates', `${label}: director updates/s`, ours.perS, '/s', key('director.perS')),
        row('1 updates', `${label}: director p50 / p99`, `${ours.latencyMs.p50} / ${ours.latencyMs.p99}`, 'ms', key('director.p99')),
        row('1 updates', `${label}: director CPU`, ours.targetCpuCores, 'cores', key('director.cores')),
        row('1 updates', `${label}: director RSS${mode === 'keepalive' ? ` (${cfg.agents} open TLS connections)` : ''}`, ours.targetRssMb, 'MB', key('director.rssMb')),
        row('1 updates', `${label}: bridge only (secure-server.ts, no director logic) updates/s`, br.perS, '/s', key('bridge.perS')),
        row('1 updates', `${label}: bridge only p50 / p99, CPU, RSS`, `${br.latencyMs.p50} / ${br.latencyMs.p99} ms, ${br.targetCpuCores} cores, ${br.targetRssMb} MB`, '', key('bridge.p99')),
        row('1 updates', `${label}: ceiling (bare Bun.serve mTLS) updates/s`, ceil.perS, '/s', key('ceiling.perS')),
        row('1 updates', `${label}: ceiling p50 / p99, CPU, RSS`, `${ceil.latencyMs.p50} / ${ceil.latencyMs.p99} ms, ${ceil.targetCpuCores} cores, ${ceil.targetRssMb} MB`, '', key('ceiling.p99')),
        row('1 updates', `${label}: ours / bridge`, vsBridge, '', key('vsBridge')),
        row('1 updates', `${label}: ours / ceiling`, vsCeiling, '', key('vsCeiling')),
        row('1 updates', `${label}: TLS handshakes in window (full/resumed)`, `${ours.handshakes.full}/${ours.handshakes.resumed}`),
      );
    }
    for (const divisor of SWEEP_FRACTIONS) {
      const agents = Math.max(1, Math.round(cfg.agents / divisor));
      log(`updates: sweep, ${agents} agents, keep-alive, against the director`);
      const run = await runLoad<UpdateRun>(load('updates.ts'), {
        port: director.port,
        caPem: director.caPem,
        identitiesFile: fleet.identitiesFile,
        agents,
        mode: 'keepalive',
        durationS: Math.min(cfg.durationS, 5),
        concurrency: cfg.concurrency,
        sessionsPerAgent: cfg.sessionsPerAgent,
        targetPid: director.proc.pid,
      });
      if (run.errors) throw new Error(`sweep ${agents}: ${run.errors} failed updates, first: ${run.firstError}`);
      raw[`sweep-${agents}`] = run;
      sweep.push({ agents, perS: run.perS, p99: run.latencyMs.p99 });
    }
    for (const point of sweep) {
      Object.assign(figures, { [`updates.sweep.${point.agents}.perS`]: point.perS, [`updates.sweep.${point.agents}.p99`]: point.p99 });
      rows.push(row('1 updates', `sweep: keep-alive, ${point.agents} agents: director updates/s (p99)`, `${point.perS} (${point.p99} ms)`, '', `updates.sweep.${point.agents}.perS`));
    }
  } finally {
    await bridge.stop();
    await ceiling.stop();
    await director.stop();
  }
  return { rows, figures, sweep, raw: { agents: cfg.agents, concurrency: cfg.concurrency, durationS: cfg.durationS, sessionsPerAgent: cfg.sessionsPerAgent, runs: raw } };
}
