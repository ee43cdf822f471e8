import { statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port.ts';
import type { LoggedProcess } from '../../scripts/lib/logged-process.ts';
import type { BenchConfig } from '../lib/config.ts';
import { ADMIN, approveAgent, binaryExists, command, login, prepareDirectorDir, repoRoot, startAgent, startDirector, type Flavour } from '../lib/director.ts';
import { round, summarise } from '../lib/http.ts';
import { memoryMb, watch } from '../lib/proc.ts';
import { bareServerStart, firstAnswerMs } from '../lib/bare-start.ts';
import { row, type Figures, type PartResult, type Row } from '../lib/report.ts';

const IDLE_MS = 3000;

/** Spawns the director and polls GET /v1/health every 2 ms: exec -> log line, exec -> first 200. */
async function timeStart(flavour: Flavour, configFile: string, url: string, caPem: string): Promise<{ listeningMs: number; answeredMs: number; proc: LoggedProcess }> {
  const t0 = performance.now();
  const proc = watch('director', Bun.spawn([...command('director', flavour), '--config', configFile], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }));
  let listeningMs = NaN;
  void proc.next('director listening', 30_000).then(
    () => (listeningMs = performance.now() - t0),
    () => {},
  );
  const answeredMs = await firstAnswerMs(`${url}/v1/health`, caPem, t0, () => `director\n${proc.tail()}`);
  await Bun.sleep(50);
  return { listeningMs, answeredMs, proc };
}

/**
 * Part 4: start-up from exec to the first answered HTTPS request with an existing data dir (sources
 * and the compiled binaries, built from this tree first so they are never stale), binary sizes, idle
 * RSS of director and agent.
 */
export async function startupPart(cfg: BenchConfig, log: (s: string) => void): Promise<PartResult> {
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const figures: Figures = {};
  log('startup: npm run build (the binaries of this tree)');
  const build = Bun.spawnSync([process.execPath, join(repoRoot, 'scripts', 'build.ts')], { cwd: repoRoot, stdout: 'pipe', stderr: 'pipe' });
  if (build.exitCode !== 0) throw new Error(`npm run build failed: ${build.stderr.toString().slice(-500)}`);
  const flavours: Flavour[] = ['source', 'binary'];
  for (const flavour of flavours) {
    const port = await freePort();
    const { configFile, dataDir } = prepareDirectorDir({ config: { director_port: port } });
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
    if (flavour === 'source') {
      // The guard's anchor: the runtime and a TLS listener alone, started and polled the same way.
      const bare = await bareServerStart(cfg.starts * 2, dataDir, caPem);
      raw.bareBun = bare;
      figures['startup.bareBun.p50'] = bare.p50;
      rows.push(row('4 startup', `anchor: bare \`bun -e\` Bun.serve with TLS, exec -> first HTTPS answer, median of ${bare.n}`, bare.p50, 'ms', 'startup.bareBun.p50'));
    }
    raw[`start-${flavour}`] = { runs, answered };
    const min = Math.min(...runs.map((r) => r.answeredMs));
    figures[`startup.${flavour}.p50`] = answered.p50;
    rows.push(row('4 startup', `director (${flavour}) exec -> first HTTPS answer, median of ${runs.length} (min ${min} ms)`, answered.p50, 'ms', `startup.${flavour}.p50`));

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
      Object.assign(figures, {
        [`startup.director.${flavour}.idleRssMb`]: round(directorRss, 1),
        [`startup.agent.${flavour}.idleRssMb`]: round(agentRss, 1),
        [`startup.agent.${flavour}.noMetricsRssMb`]: round(bareRss, 1),
      });
      rows.push(
        row('4 startup', `director (${flavour}) idle RSS`, round(directorRss, 1), 'MB', `startup.director.${flavour}.idleRssMb`),
        row('4 startup', `agent (${flavour}) idle RSS, enrolled, sending updates, metrics on`, round(agentRss, 1), 'MB', `startup.agent.${flavour}.idleRssMb`),
        row('4 startup', `agent (${flavour}) idle RSS, metrics_enabled = false`, round(bareRss, 1), 'MB', `startup.agent.${flavour}.noMetricsRssMb`),
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
  return { rows, figures, raw };
}
