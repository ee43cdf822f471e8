import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { https } from './http.ts';
import { WatchedProcess } from './proc.ts';

export const repoRoot = join(import.meta.dir, '..', '..');

/** Which director/agent program to run: the sources under Bun, or the compiled binaries in dist/. */
export type Flavour = 'source' | 'binary';

export function command(program: 'director' | 'agent', flavour: Flavour = 'source'): string[] {
  if (flavour === 'binary') return [join(repoRoot, 'dist', `dcvix-${program}`)];
  // BENCH_PROFILE_DIR: write a CPU profile of every director/agent started (read with bench/profile-top.ts).
  const prof = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  return [process.execPath, ...prof, join(repoRoot, program, 'main.ts')];
}

export const binaryExists = (program: 'director' | 'agent') => existsSync(join(repoRoot, 'dist', `dcvix-${program}`));

const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  if (process.env.BENCH_KEEP_TEMP) return;
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Minimal TOML writer for configs: scalars, arrays and nested tables. */
export const toml = (o: Record<string, unknown>, prefix = ''): string => {
  const top: string[] = [];
  const sections: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) sections.push(`[${prefix}${k}]\n${toml(v as Record<string, unknown>, `${prefix}${k}.`)}`);
    else top.push(`${k} = ${JSON.stringify(v)}`);
  }
  return [...top, ...sections].join('\n') + '\n';
};

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
  proc: WatchedProcess;
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
    ...opts.config,
    auth: { backends: ['external'], external: { command: [join(repoRoot, 'scripts/demo/passwd-file-auth.sh'), usersFile] } },
  };
  writeFileSync(configFile, toml(config));
  return { dir, configFile, dataDir };
}

/** Starts the real director process on a free port and waits for "director listening". */
export async function startDirector(opts: DirectorOptions = {}): Promise<BenchDirector> {
  const { dir, configFile, dataDir } = prepareDirectorDir(opts);
  const proc = new WatchedProcess('director', Bun.spawn([...command('director', opts.flavour), '--config', configFile], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }));
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
    writePolicy: (p) => {
      if (p.users !== undefined) writeFileSync(join(dir, 'users.json'), JSON.stringify(p.users));
      if (p.pools !== undefined) writeFileSync(join(dir, 'pools.json'), JSON.stringify(p.pools));
    },
    stop: () => proc.stop(),
  };
}

export async function login(url: string, caPem: string, user: string, password: string, role: 'user' | 'admin' = 'user'): Promise<string> {
  const r = await https(`${url}/v1/${role}/login`, { method: 'POST', ca: caPem, json: { userID: user, password } });
  if (r.status !== 200) throw new Error(`login ${user} failed: ${r.status} ${r.text}`);
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
}

export interface BenchAgent {
  dir: string;
  dataDir: string;
  proc: WatchedProcess;
  env: Record<string, string>;
}

/** A real agent process whose `dcv` is the simulator; call approveAgent next. */
export function startAgent(directorUrl: string, opts: { hostname: string; config?: Record<string, unknown>; flavour?: Flavour }): BenchAgent {
  const dir = tempDir('dcvix-bench-agent-');
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'dcvix-agent.conf');
  writeFileSync(
    configFile,
    toml({
      director_url: directorUrl,
      data_dir: dataDir,
      listen_host: '127.0.0.1',
      listen_port: 0,
      register_interval: '200ms',
      hostname: opts.hostname,
      dcv_path: join(repoRoot, 'tests/fixtures/dcv-simulator.ts'),
      tags: ['bench'],
      ...opts.config,
    }),
  );
  const env = {
    ...process.env,
    PATH: `${join(repoRoot, 'node_modules/.bin')}:${process.env.PATH}`,
    DCV_SIM_STATE: join(dir, 'dcv-state.json'),
  } as Record<string, string>;
  const proc = new WatchedProcess('agent', Bun.spawn([...command('agent', opts.flavour), '--config', configFile], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env }));
  return { dir, dataDir, proc, env };
}

/** Approves a started agent's pending registration and waits until it listens. */
export async function approveAgent(director: BenchDirector, agent: BenchAgent, adminCookie: string): Promise<{ guid: string; port: number }> {
  const listening = agent.proc.next('agent listening', 30_000);
  // Logged on every registration attempt (register_interval), with the GUID.
  const { guid } = await agent.proc.next('registration pending approval', 30_000);
  const r = await https(`${director.url}/v1/admin/agents/${guid}/approve`, { method: 'POST', ca: director.caPem, cookie: adminCookie });
  if (r.status !== 200) throw new Error(`approve failed: ${r.status} ${r.text}`);
  return { guid, port: (await listening).port };
}
