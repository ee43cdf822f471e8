import { existsSync, mkdirSync } from 'node:fs';
import { win32 } from 'node:path';
import { UsageError, type Subcommand } from '../../shared/subcommand.ts';
import { loadAgentConfig } from '../config/load.ts';
import { controlCall, installCalls, serviceLayout, uninstallCalls, type ServiceCall } from '../windows/service-plan.ts';
import { mustRun, spawnSystemCommand, type SystemCommandRunner } from '../windows/system-command.ts';

/** What the service commands use of the machine; injected by the tests. */
export interface ServiceDeps {
  run: SystemCommandRunner;
  platform: NodeJS.Platform;
  /** This program's path (the agent executable the service runs). */
  agentExe: string;
  exists: (path: string) => boolean;
  mkdir: (path: string) => void;
  print: (line: string) => void;
}

const realDeps = (): ServiceDeps => ({
  run: spawnSystemCommand,
  platform: process.platform,
  agentExe: process.execPath,
  exists: existsSync,
  mkdir: (path) => mkdirSync(path, { recursive: true }),
  print: (line) => console.log(line),
});

/** Runs `calls` in order: one that must not fail stops the rest; one that may is printed when it does. */
async function runCalls(machine: ServiceDeps, calls: readonly ServiceCall[]): Promise<void> {
  for (const { argv, mayFail } of calls) {
    if (!mayFail) {
      await mustRun(machine.run, argv);
      continue;
    }
    const result = await machine.run(argv);
    if (result.code !== 0) machine.print(`note: ${argv.slice(0, 2).join(' ')} answered ${result.code} (not needed to go on): ${result.output.split('\n')[0]?.slice(0, 200) ?? ''}`);
  }
}

function windowsOnly(deps: ServiceDeps, args: string[]): void {
  if (args.length) throw new UsageError(`unexpected argument: ${args[0]}`);
  if (deps.platform !== 'win32') throw new Error('Windows only: on Linux the agent runs as the systemd unit dcvix-agent.service');
}

/**
 * `service install|uninstall|start|stop`: the agent as a Windows service (agent/windows/service-plan.ts
 * says which system calls each makes). Install reads the config for data_dir and listen_port, so a bad
 * config is refused before anything is registered.
 */
export function serviceCommands(deps: () => ServiceDeps = realDeps): Subcommand[] {
  return [
    {
      words: ['service', 'install'],
      usage: '',
      summary: 'Windows: registers the agent as the service dcvix-agent (LocalSystem, starts at boot) and opens listen_port in the firewall',
      async run({ args, configFile, explicit }) {
        const machine = deps();
        windowsOnly(machine, args);
        const config = await loadAgentConfig(configFile, explicit);
        const layout = serviceLayout(machine.agentExe, config.configFile, config.data_dir, config.listen_port);
        if (!machine.exists(layout.hostExe)) throw new Error(`the service host ${layout.hostExe} is missing: it ships beside dcvix-agent.exe`);
        machine.mkdir(win32.dirname(layout.logFile));
        await runCalls(machine, installCalls(layout));
        machine.print(`installed the service dcvix-agent (log: ${layout.logFile}); start it with: dcvix-agent service start`);
        return 0;
      },
    },
    {
      words: ['service', 'uninstall'],
      usage: '',
      summary: 'Windows: stops and removes the service dcvix-agent and its firewall rule (data_dir and the config stay)',
      async run({ args }) {
        const machine = deps();
        windowsOnly(machine, args);
        await runCalls(machine, uninstallCalls());
        machine.print('removed the service dcvix-agent and its firewall rule');
        return 0;
      },
    },
    ...(['start', 'stop'] as const).map(
      (action): Subcommand => ({
        words: ['service', action],
        usage: '',
        summary: `Windows: ${action}s the service dcvix-agent`,
        async run({ args }) {
          const machine = deps();
          windowsOnly(machine, args);
          await mustRun(machine.run, controlCall(action));
          return 0;
        },
      }),
    ),
  ];
}
