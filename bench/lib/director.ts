import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { login } from '../../scripts/lib/https.ts';
import type { LoggedProcess } from '../../scripts/lib/logged-process.ts';
import { repoRoot, tempDir } from '../../scripts/lib/temp.ts';
import { toml } from '../../scripts/lib/toml.ts';
import { approveAgent, startAgent as startTestAgent, type AgentHandle } from '../../tests/helpers/dcvix.ts';
import { BENCH_LOG, watch } from './proc.ts';

export { cleanupTempDirs, repoRoot, tempDir } from '../../scripts/lib/temp.ts';
export { login, toml, approveAgent };

/** Which director/agent program to run: the sources under Bun, or the compiled binaries in dist/. */
export type Flavour = 'source' | 'binary';

export function command(program: 'director' | 'agent', flavour: Flavour = 'source'): string[] {
  if (flavour === 'binary') return [join(repoRoot, 'dist', `dcvix-${program}`)];
  // BENCH_PROFILE_DIR: write a CPU profile of every director/agent started (read with bench/profile-top.ts).
  const prof = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  return [process.execPath, ...prof, join(repoRoot, program, 'main.ts')];
}

export const binaryExists = (program: 'director' | 'agent') => existsSync(join(repoRoot, 'dist', `dcvix-${program}`));

export const ADMIN = { user: 'admin', password: 'admin-pw' };

export interface DirectorOptions {
  /** Directory holding config, policy, password file and data/; reused when it exists (start-up bench). */
  dir?: string;
  config?: Record<string, unknown>;
  /** users.json and pools.json documents. */
  policy?: { users: unknown; pools: unknown };
  /** user -> password for the external-command login backend. */
  passwords?: Record<string, string>;
  flavour?: Flavour;
}

export interface BenchDirector {
  url: string;
  port: number;
  dir: string;
  dataDir: string;
  caPem: string;
  proc: LoggedProcess;
  /** Logs in (external command backend) and returns the cookie header value. */
  login(user: string, password: string, role?: 'user' | 'admin'): Promise<string>;
  writePolicy(p: { users?: unknown; pools?: unknown }): void;
  stop(): Promise<void>;
}

/** Writes config, policy and password files for a director in `dir` (the tests' layout). */
export function prepareDirectorDir(opts: DirectorOptions = {}): { dir: string; configFile: string; dataDir: string } {
  const dir = opts.dir ?? tempDir('dcvix-bench-director-');
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const passwords = { [ADMIN.user]: ADMIN.password, ...opts.passwords };
  const usersFile = join(dir, 'passwords.txt');
  writeFileSync(usersFile, Object.entries(passwords).map(([u, p]) => `${u}:${p}`).join('\n') + '\n');
  const policy = opts.policy ?? { users: { admins: [ADMIN.user], users: {}, groups: {} }, pools: { pools: {} } };
  writeFileSync(join(dir, 'users.json'), JSON.stringify(policy.users));
  writeFileSync(join(dir, 'pools.json'), JSON.stringify(policy.pools));
  const configFile = join(dir, 'dcvix-director.conf');
  const config = {
    director_host: '127.0.0.1',
    director_port: 0,
    data_dir: dataDir,
    // A fixed key, so connection tokens survive a director restart within a benchmark.
    token_key: '00'.repeat(32),
    // Long enough that the state the benchmark built does not age out while it measures.
    session_stale_after: '1h',
    server_offline_after: '1h',
    throttle: { enabled: false },
    // Whole fleets enrol from 127.0.0.1 here: the per-address registration limit would only measure itself.
    register_rate_per_minute: 1_000_000,
    ...opts.config,
    auth: { backends: ['external'], external: { command: [join(repoRoot, 'scripts/demo/passwd-file-auth.sh'), usersFile] } },
  };
  writeFileSync(configFile, toml(config));
  return { dir, configFile, dataDir };
}

/** Starts the real director process on a free port and waits for "director listening". */
export async function startDirector(opts: DirectorOptions = {}): Promise<BenchDirector> {
  const { dir, configFile, dataDir } = prepareDirectorDir(opts);
  const proc = watch('director', Bun.spawn([...command('director', opts.flavour), '--config', configFile], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }));
  const listening = await proc.next('director listening', 30_000);
  const port = listening.port as number;
  const url = `https://127.0.0.1:${port}`;
  const caPem = readFileSync(join(dataDir, 'ca.pem'), 'utf8');
  return {
    url,
    port,
    dir,
    dataDir,
    caPem,
    proc,
    login: (user, password, role = 'user') => login(url, caPem, user, password, role),
    writePolicy: (policy) => {
      if (policy.users !== undefined) writeFileSync(join(dir, 'users.json'), JSON.stringify(policy.users));
      if (policy.pools !== undefined) writeFileSync(join(dir, 'pools.json'), JSON.stringify(policy.pools));
    },
    stop: () => proc.stop(),
  };
}

export type BenchAgent = AgentHandle;

/**
 * A real agent process whose `dcv` is the simulator (tests/helpers/dcvix.ts), with the default update
 * interval unless `config` says otherwise; call approveAgent next.
 */
export function startAgent(directorUrl: string, opts: { hostname: string; config?: Record<string, unknown>; flavour?: Flavour }): Promise<BenchAgent> {
  return startTestAgent(directorUrl, {
    dir: tempDir('dcvix-bench-agent-'),
    command: command('agent', opts.flavour),
    log: BENCH_LOG,
    config: { hostname: opts.hostname, update_interval: '30s', tags: ['bench'], ...opts.config },
  });
}
