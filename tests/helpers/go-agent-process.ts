import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoggedProcess } from './process.ts';
import { repoRoot, tempDir } from './temp.ts';

/** The real Go dcvix agent running as a process: its dir, data dir, log and dcv environment. */
export interface GoAgentProcess {
  dir: string;
  dataDir: string;
  proc: LoggedProcess;
  /** The environment its dcv (the simulator) sees: state file and argv log, as for our agent. */
  env: Record<string, string>;
  /** The first log line (at index `since` or later, past or future) matching `pattern`, matched. */
  waitForLog(pattern: RegExp, timeoutMs?: number, since?: number): Promise<RegExpMatchArray>;
  /** The GUID it stored on its first start. */
  guid(): string;
  stop(): Promise<void>;
}

export interface GoAgentOptions {
  /** Our director on 127.0.0.1: the Go agent checks the director's certificate against that name. */
  directorPort: number;
  /** Where it listens; the director calls every Go agent on its own agent_port. */
  agentPort: number;
  tags?: string[];
  /** Reuse a directory (a restart on the same data dir). */
  dir?: string;
}

/**
 * Starts the Go agent built by build-go-agent.ts with an INI config of its own (`-conf`): director
 * 127.0.0.1 (so only our director's address may call it back), listening on 127.0.0.1, updates every
 * second, no reaper, dcv = the simulator through a wrapper script, logs in its dir and on stdout.
 * The Go agent takes its host name from the operating system; it has no setting for it.
 */
export function startGoAgentProcess(binary: string, opts: GoAgentOptions): GoAgentProcess {
  const dir = opts.dir ?? tempDir('go-dcvix-agent-');
  const dataDir = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  const dcv = join(dir, 'dcv');
  writeFileSync(dcv, `#!/bin/sh\nexec '${process.execPath}' '${join(repoRoot, 'tests/fixtures/dcv-simulator.ts')}' "$@"\n`);
  chmodSync(dcv, 0o755);
  const config = join(dir, 'dcvix-agent.conf');
  writeFileSync(
    config,
    [
      '[agent]',
      'director_host = 127.0.0.1',
      `director_port = ${opts.directorPort}`,
      `agent_port = ${opts.agentPort}`,
      'bind_address = 127.0.0.1',
      `tags = ${(opts.tags ?? []).join(',')}`,
      `dcv_path = ${dcv}`,
      'update_interval = 1',
      'reap_interval = 0',
      `data_dir = ${dataDir}`,
      '',
      '[log]',
      'level = info',
      `directory = ${join(dir, 'log')}`,
      'rotation = 1',
      '',
    ].join('\n'),
  );
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', DCV_SIM_STATE: join(dir, 'dcv-state.json'), DCV_SIM_ARGV_LOG: join(dir, 'dcv-argv.log') };
  const proc = new LoggedProcess('go-agent', Bun.spawn([binary, '-conf', config], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env }));
  return {
    dir,
    dataDir,
    proc,
    env,
    async waitForLog(pattern, timeoutMs = 15_000, since = 0) {
      const line = await proc.waitFor((l) => proc.lines.indexOf(l) >= since && pattern.test(l), timeoutMs, String(pattern));
      return line.match(pattern)!;
    },
    guid: () => readFileSync(join(dataDir, 'agent.guid'), 'utf8').trim(),
    stop: () => proc.stop(),
  };
}
