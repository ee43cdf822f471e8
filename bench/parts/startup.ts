import { statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port.ts';
import type { LoggedProcess } from '../../scripts/lib/logged-process.ts';
import type { BenchConfig } from '../lib/config.ts';
import { ADMIN, approveAgent, binaryExists, command, login, prepareDirectorDir, repoRoot, startAgent, startDirector, type Flavour } from '../lib/director.ts';
import { round, summarise } from '../lib/http.ts';
import { memoryMb, watch } from '../lib/proc.ts';
import { row, type PartResult, type Row } from '../lib/report.ts';

const IDLE_MS = 3000;

/** Spawns the director and polls GET /v1/health every 2 ms: exec -> log line, exec -> first 200. */
async function timeStart(flavour: Flavour, configFile: string, url: string, caPem: string): Promise<{ listeningMs: number; answeredMs: number; proc: LoggedProcess }> {
  const t0 = performance.now();
  const proc = watch('director', Bun.spawn([...command('director', flavour), '--config', configFile], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }));
  let listeningMs = NaN;
  void proc.next('director listening', 30_000).then(() => (listeningMs = performance.now() - t0), () => {});
  const end = t0 + 30_000;
  for (;;) {
    try {
      const health = await fetch(`${url}/v1/health`, { tls: { ca: caPem }, keepalive: false } as RequestInit);
      if (health.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > end) throw new Error(`director did not answer within 30 s\n${proc.tail()}`);
    await Bun.sleep(2);
  }
  const answeredMs = performance.now() - t0;
  await Bun.sleep(50);
  return { listeningMs, answeredMs, proc };
}

/**
 * Part 4: start-up from exec to the first answered HTTPS request with an existing data dir (sources
 * and, when `npm run build` made them, the compiled binaries), binary sizes, idle RSS of director and
 * agent.
 */
export async function startupPart(cfg: BenchConfig, log: (s: string) => void): Promise<PartResult> {
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const flavours: Flavour[] = ['source', ...(binaryExists('director') ? (['binary'] as const) : [])];
  if (!binaryExists('director')) raw.binary = 'dist/dcvix-director not found (npm run build): binary not measured';
  for (const flavour of flavours) {
    const port = await freePort();
    const { configFile } = prepareDirectorDir({ config: { director_port: port } });
    // First start creates the CA and the server certificate: the data dir then exists.
    const first = await startDirector({ dir: join(configFile, '..'), config: { director_port: port }, flavour });
    const caPem = first.caPem;
    await first.stop();
    log(`startup: ${cfg.starts} starts (${flavour})`);
    const runs = [];
    let last: LoggedProcess | undefined;
    for (let startIndex = 0; startIndex < cfg.starts; startIndex++) {
      const started = await timeStart(flavour, configFile, `https://127.0.0.1:${port}`, caPem);
      runs.push({ listeningMs: round(started.listeningMs, 1), answeredMs: round(started.answeredMs, 1) });
      if (startIndex < cfg.starts - 1) await started.proc.stop();
      else last = started.proc;
    }
    const answered = summarise(runs.map((r) => r.answeredMs));
    raw[`start-${flavour}`] = { runs, answered };
    const min = Math.min(...runs.map((r) => r.answeredMs));
    rows.push(row('4 startup', `director (${flavour}) exec -> first HTTPS answer, median of ${runs.length} (min ${min} ms)`, answered.p50, 'ms', { text: '< 300 ms', ok: answered.p50 < 300 }));

    // Idle RSS: the director just started, then an agent enrolled against it, both left alone.
    const url = `https://127.0.0.1:${port}`;
    await Bun.sleep(IDLE_MS);
    const directorRss = memoryMb(last!.pid).rss;
    const admin = await login(url, caPem, ADMIN.user, ADMIN.password, 'admin');
    // Default update interval (30 s): the first update goes out at once, then the agent is idle.
    const agent = await startAgent(url, { hostname: `idle-${flavour}`, flavour });
    try {
      // Returns once the agent's first update is in the director's state.
      await approveAgent({ url, caPem }, agent, { adminCookie: admin });
      await Bun.sleep(IDLE_MS);
      const agentRss = memoryMb(agent.proc.pid).rss;
      // The same agent without its metrics listener (prom-client then never loads): what metrics cost.
      await agent.proc.stop();
      const bare = await startAgent(url, { hostname: `idle-${flavour}-bare`, flavour, config: { metrics_enabled: false } });
      await approveAgent({ url, caPem }, bare, { adminCookie: admin });
      await Bun.sleep(IDLE_MS);
      const bareRss = memoryMb(bare.proc.pid).rss;
      await bare.proc.stop();
      raw[`idle-${flavour}`] = { directorRssMb: round(directorRss, 1), agentRssMb: round(agentRss, 1), agentNoMetricsRssMb: round(bareRss, 1) };
      rows.push(
        row('4 startup', `director (${flavour}) idle RSS`, round(directorRss, 1), 'MB'),
        row('4 startup', `agent (${flavour}) idle RSS, enrolled, sending updates, metrics on`, round(agentRss, 1), 'MB', { text: '< 60 MB', ok: agentRss < 60 }),
        row('4 startup', `agent (${flavour}) idle RSS, metrics_enabled = false`, round(bareRss, 1), 'MB', { text: '< 60 MB', ok: bareRss < 60 }),
      );
    } finally {
      await agent.proc.stop();
      await last!.stop();
    }
  }
  for (const program of ['director', 'agent'] as const) {
    if (!binaryExists(program)) continue;
    const mb = round(statSync(join(repoRoot, 'dist', `dcvix-${program}`)).size / 2 ** 20, 1);
    raw[`${program}BinaryMb`] = mb;
    rows.push(row('4 startup', `dist/dcvix-${program} size`, mb, 'MB'));
  }
  return { rows, raw };
}
