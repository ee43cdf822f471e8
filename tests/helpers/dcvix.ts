import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoggedProcessOptions } from '../../scripts/lib/logged-process.ts';
import { toml } from '../../scripts/lib/toml.ts';
import { LoggedProcess } from './process.ts';
import { repoRoot, tempDir } from './temp.ts';
import { CHECK_ANSWERS_ENV } from '../../director/http/answer-check.ts';

export { toml };

/**
 * Starts the real director and agent processes on port 0 in temp dirs. With DCVIX_BIN_DIR set (e.g.
 * "dist"), the compiled single-file binaries run instead of the sources.
 */
export function command(program: 'director' | 'agent'): string[] {
  const bin = process.env.DCVIX_BIN_DIR;
  if (bin) return [join(repoRoot, bin, `dcvix-${program}`)];
  return [process.execPath, join(repoRoot, program, 'main.ts')];
}

export const TEST_USERS: Record<string, string> = { admin: 'admin-pw', alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' };

export const DEFAULT_POLICY = {
  users: {
    admins: ['admin'],
    users: { alice: { servers: [], pools: ['workstations'] }, bob: { servers: [], pools: [] } },
    groups: {},
  },
  pools: { pools: { workstations: { description: 'All workstations', servers: ['*'] } } },
};

export interface DirectorHandle {
  url: string;
  port: number;
  dir: string;
  dataDir: string;
  caPem: string;
  caFile: string;
  proc: LoggedProcess;
  configFile: string;
  writePolicy(p: { users?: unknown; pools?: unknown }): void;
  /**
   * Writes the policy files given and stores them with `dcvix-director policy import` (a real process
   * on this director's config), then sends SIGHUP so the director re-reads the store at once. The
   * import's exit code and output come back (a refused import changes nothing).
   */
  importPolicy(policy: { users?: unknown; pools?: unknown }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Runs `dcvix-director <args> --config <this director's config>` as a process (its environment too). */
  command(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The director's own certificate, key and CA (PEM): what it presents to agents. */
  clientCredentials(): { cert: string; key: string; ca: string };
  stop(): Promise<void>;
}

/**
 * Starts a director. `users` adds password-file users beside TEST_USERS (the policy still decides what
 * they may do); `dir` reuses a directory, e.g. to restart on the same data dir; `env` adds to its environment.
 * Every director started here checks its answers against their declared models (director/http/answer-check.ts).
 */
export async function startDirector(
  opts: { config?: Record<string, unknown>; policy?: { users?: unknown; pools?: unknown }; dir?: string; users?: Record<string, string>; env?: Record<string, string> } = {},
): Promise<DirectorHandle> {
  const dir = opts.dir ?? tempDir('dcvix-director-');
  const dataDir = join(dir, 'data');
  const usersFile = join(dir, 'passwords.txt');
  writeFileSync(
    usersFile,
    `${Object.entries({ ...TEST_USERS, ...opts.users })
      .map(([u, p]) => `${u}:${p}`)
      .join('\n')}\n`,
  );
  const writePolicy = (policy: { users?: unknown; pools?: unknown }) => {
    if (policy.users !== undefined) writeFileSync(join(dir, 'users.json'), JSON.stringify(policy.users, null, 2));
    if (policy.pools !== undefined) writeFileSync(join(dir, 'pools.json'), JSON.stringify(policy.pools, null, 2));
  };
  writePolicy(opts.policy ?? DEFAULT_POLICY);
  const configFile = join(dir, 'dcvix-director.conf');
  const config = {
    director_host: '127.0.0.1',
    director_port: 0,
    data_dir: dataDir,
    housekeeper_interval: '1s',
    ...opts.config,
    auth: { backends: ['external'], external: { command: [join(repoRoot, 'scripts/demo/passwd-file-auth.sh'), usersFile] }, ...(opts.config?.auth as object) },
  };
  writeFileSync(configFile, toml(config));
  const proc = new LoggedProcess(
    'director',
    Bun.spawn([...command('director'), '--config', configFile], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: { ...process.env, [CHECK_ANSWERS_ENV]: '1', ...opts.env } }),
  );
  const listening = await proc.waitForMsg('director listening', 20_000);
  const caFile = join(dataDir, 'ca.pem');
  const runCommand = async (...args: string[]) => {
    const { run } = await import('./run.ts');
    return run([...command('director'), ...args, '--config', configFile], { allowFail: true, env: { ...process.env, ...opts.env } as Record<string, string> });
  };
  return {
    url: `https://127.0.0.1:${listening.port}`,
    port: listening.port,
    dir,
    dataDir,
    caFile,
    caPem: readFileSync(caFile, 'utf8'),
    proc,
    configFile,
    writePolicy,
    command: runCommand,
    async importPolicy(policy) {
      writePolicy(policy);
      const files = [...(policy.users === undefined ? [] : ['users.json']), ...(policy.pools === undefined ? [] : ['pools.json'])].map((file) => join(dir, file));
      const result = await runCommand('policy', 'import', ...files);
      if (result.code === 0) proc.proc.kill('SIGHUP');
      return result;
    },
    clientCredentials: () => ({
      cert: readFileSync(join(dataDir, 'dcvix-director.crt'), 'utf8'),
      key: readFileSync(join(dataDir, 'dcvix-director.key'), 'utf8'),
      ca: readFileSync(caFile, 'utf8'),
    }),
    stop: () => proc.stop(),
  };
}

export interface AgentHandle {
  dir: string;
  dataDir: string;
  proc: LoggedProcess;
  port(): Promise<number>;
  stop(): Promise<void>;
  env: Record<string, string>;
}

/**
 * An agent whose dcv binary is the simulator (state and argv log in its temp dir). `command` replaces
 * the program to run (the config file arguments follow it); `log` tunes how its output is kept. The
 * agent's dcv_conf_file is the simulator's dcv.conf in the temp dir (none until `dcv sim-verifier`
 * writes one, see dcvSim).
 */
export async function startAgent(directorUrl: string, opts: { config?: Record<string, unknown>; dir?: string; command?: string[]; log?: LoggedProcessOptions } = {}): Promise<AgentHandle> {
  const dir = opts.dir ?? tempDir('dcvix-agent-');
  const dataDir = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'dcvix-agent.conf');
  writeFileSync(
    configFile,
    toml({
      director_url: directorUrl,
      data_dir: dataDir,
      listen_host: '127.0.0.1',
      listen_port: 0,
      metrics_port: 0,
      register_interval: '200ms',
      update_interval: '1s',
      dcv_path: join(repoRoot, 'tests/fixtures/dcv-simulator.ts'),
      dcv_conf_file: join(dir, 'dcv.conf'),
      tags: ['test'],
      ...opts.config,
    }),
  );
  const env = {
    ...process.env,
    PATH: `${join(repoRoot, 'node_modules/.bin')}:${process.env.PATH}`,
    DCV_SIM_STATE: join(dir, 'dcv-state.json'),
    DCV_SIM_ARGV_LOG: join(dir, 'dcv-argv.log'),
    // Read only by tests/fixtures/nvidia-smi-simulator.ts, for an agent whose nvidia_smi_path names it.
    NVIDIA_SMI_SIM_GPUS: join(dir, 'gpus.json'),
    NVIDIA_SMI_SIM_ARGV_LOG: join(dir, 'nvidia-smi-argv.log'),
    DCV_SIM_PERMISSIONS_LOG: join(dir, 'dcv-permissions.log'),
    DCV_SIM_DCV_CONF: join(dir, 'dcv.conf'),
  } as Record<string, string>;
  const proc = new LoggedProcess('agent', Bun.spawn([...(opts.command ?? command('agent')), '--config', configFile], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env }), opts.log);
  return {
    dir,
    dataDir,
    proc,
    env,
    port: async () => (await proc.waitForMsg('agent listening', 30_000)).port,
    stop: () => proc.stop(),
  };
}

/**
 * Admin logs in (unless `adminCookie` is given), approves the agent's pending registration and waits
 * until its first update lands.
 */
export async function approveAgent(
  director: Pick<DirectorHandle, 'url' | 'caPem'>,
  agent: AgentHandle,
  opts: { adminCookie?: string } = {},
): Promise<{ guid: string; adminCookie: string; serverId: string }> {
  const { call, eventually, login } = await import('./https.ts');
  await agent.proc.waitForMsg('registration pending approval', 30_000);
  const guid = readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim();
  const adminCookie = opts.adminCookie ?? (await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin'));
  const response = await call(`${director.url}/v1/admin/agents/${guid}/approve`, { method: 'POST', ca: director.caPem, cookie: adminCookie });
  if (response.status !== 200) throw new Error(`approve failed: ${response.status} ${response.text}`);
  await agent.port();
  const serverId = await eventually(
    async () => {
      const response = await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: adminCookie });
      return response.json?.servers?.find((x: { guid: string }) => x.guid === guid)?.id as string | undefined;
    },
    15_000,
    'first agent update',
  );
  return { guid, adminCookie, serverId };
}

/** The argv lines the dcv simulator recorded for this agent (ours, or the Go agent's). */
export function dcvArgvLog(agent: Pick<AgentHandle, 'env'>): string[][] {
  try {
    return readFileSync(agent.env.DCV_SIM_ARGV_LOG!, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** One permissions file the dcv simulator was handed: by which command, for which session, and its text at that moment. */
export interface DcvPermissionsUse {
  command: 'create-session' | 'set-permissions';
  session: string;
  file: string;
  text: string;
}

/** The permissions files the dcv simulator read for this agent, in order (DCV_SIM_PERMISSIONS_LOG). */
export function dcvPermissionsLog(agent: Pick<AgentHandle, 'env'>): DcvPermissionsUse[] {
  try {
    return readFileSync(agent.env.DCV_SIM_PERMISSIONS_LOG!, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** Runs the dcv simulator as this agent's dcv (same state file), e.g. `sim-set` or `sim-fail`. */
export async function dcvSim(agent: AgentHandle, ...args: string[]) {
  const { run } = await import('./run.ts');
  return run([join(repoRoot, 'tests/fixtures/dcv-simulator.ts'), ...args], { env: agent.env });
}

export interface DirectorWithAgent {
  director: DirectorHandle;
  agent: AgentHandle;
  admin: string;
  serverId: string;
  stop(): Promise<void>;
}

/** A director and one approved agent (the usual set-up of a test file); `stop` ends both. */
export async function startDirectorWithAgent(opts: { director?: Parameters<typeof startDirector>[0]; agent?: Parameters<typeof startAgent>[1] } = {}): Promise<DirectorWithAgent> {
  const director = await startDirector(opts.director);
  const agent = await startAgent(director.url, opts.agent);
  const { adminCookie: admin, serverId } = await approveAgent(director, agent);
  return {
    director,
    agent,
    admin,
    serverId,
    async stop() {
      await agent.stop();
      await director.stop();
    },
  };
}
