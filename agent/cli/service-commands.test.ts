import { afterAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { dirname, join, win32 } from 'node:path';
import { subcommands } from '../../shared/subcommand.ts';
import { cleanupTempDirs, tempDir } from '../../tests/helpers/temp.ts';
import { serviceCommands, type ServiceDeps } from './service-commands.ts';

afterAll(() => cleanupTempDirs());

const AGENT = 'C:\\Program Files\\dcvix\\dcvix-agent.exe';
const HOST = 'C:\\Program Files\\dcvix\\dcvix-agent-service.exe';

/** The service commands on a pretend Windows machine: every system call recorded, exit codes by program and verb. */
function machine(codes: Record<string, number> = {}, platform: NodeJS.Platform = 'win32') {
  const calls: string[][] = [];
  const made: string[] = [];
  const printed: string[] = [];
  const deps: ServiceDeps = {
    platform,
    agentExe: AGENT,
    exists: (path) => path === HOST,
    mkdir: (path) => made.push(path),
    print: (line) => printed.push(line),
    run: async (argv) => {
      calls.push([...argv]);
      const code = codes[`${argv[0]} ${argv[1]}`] ?? 0;
      return { code, output: code ? 'The specified service does not exist as an installed service.' : '' };
    },
  };
  const dispatcher = subcommands(
    'dcvix-agent',
    'unused.conf',
    serviceCommands(() => deps),
  );
  return { calls, made, printed, run: (argv: string[]) => dispatcher.run(argv) };
}

/** A config in a directory of its own: data_dir and listen_port as the install reads them. */
function config(): string {
  const file = join(tempDir('dcvix-svc-'), 'dcvix-agent.conf');
  writeFileSync(file, 'data_dir = "agent"\nlisten_port = 8446\n');
  return file;
}

test('ok: install registers the service host as dcvix-agent (LocalSystem, auto start, restart on failure) and opens listen_port in the firewall', async () => {
  const pc = machine();
  const file = config();
  expect(await pc.run(['service', 'install', '--config', file])).toBe(0);
  // Beside data_dir ("agent", relative to the config): logs\dcvix-agent.log, as %ProgramData%\dcvix\logs is beside %ProgramData%\dcvix\agent.
  const logFile = win32.join(dirname(file), 'logs', 'dcvix-agent.log');
  expect(pc.calls).toEqual([
    ['sc.exe', 'create', 'dcvix-agent', 'binPath=', `"${HOST}" "${logFile}" "${AGENT}" "--config" "${file}"`, 'start=', 'auto', 'obj=', 'LocalSystem', 'DisplayName=', 'dcvix agent'],
    ['sc.exe', 'description', 'dcvix-agent', 'Enrols this DCV host with the dcvix director and drives the DCV Server for it.'],
    ['sc.exe', 'failure', 'dcvix-agent', 'reset=', '86400', 'actions=', 'restart/5000/restart/5000/restart/60000'],
    ['sc.exe', 'failureflag', 'dcvix-agent', '1'],
    ['netsh', 'advfirewall', 'firewall', 'add', 'rule', 'name=dcvix agent', 'dir=in', 'action=allow', 'protocol=TCP', 'localport=8446', `program=${AGENT}`, 'enable=yes'],
  ]);
  expect(pc.made).toEqual([win32.dirname(logFile)]);
});

test('ok: an sc.exe without failureflag (older, or wine) is noted and the install goes on', async () => {
  const pc = machine({ 'sc.exe failureflag': 1 });
  expect(await pc.run(['service', 'install', '--config', config()])).toBe(0);
  expect(pc.calls.map((argv) => argv.slice(0, 2).join(' '))).toEqual(['sc.exe create', 'sc.exe description', 'sc.exe failure', 'sc.exe failureflag', 'netsh advfirewall']);
  expect(pc.printed[0]).toStartWith('note: sc.exe failureflag answered 1');
});

test('ok: uninstall stops (not running is fine), deletes the service and the firewall rule; start and stop call sc.exe', async () => {
  const pc = machine({ 'sc.exe stop': 1062 });
  expect(await pc.run(['service', 'uninstall'])).toBe(0);
  expect(await pc.run(['service', 'start'])).toBe(0);
  expect(pc.calls).toEqual([
    ['sc.exe', 'stop', 'dcvix-agent'],
    ['sc.exe', 'delete', 'dcvix-agent'],
    ['netsh', 'advfirewall', 'firewall', 'delete', 'rule', 'name=dcvix agent'],
    ['sc.exe', 'start', 'dcvix-agent'],
  ]);
  const stopping = machine();
  expect(await stopping.run(['service', 'stop'])).toBe(0);
  expect(stopping.calls).toEqual([['sc.exe', 'stop', 'dcvix-agent']]);
});

test('rejects: a failing sc.exe is exit 1 with its output; a bad config or a missing service host registers nothing; Linux is refused', async () => {
  const failing = machine({ 'sc.exe create': 1073 });
  expect(await failing.run(['service', 'install', '--config', config()])).toBe(1);
  expect(failing.calls).toHaveLength(1);
  const deleting = machine({ 'sc.exe delete': 1060 });
  expect(await deleting.run(['service', 'uninstall'])).toBe(1);
  expect(deleting.calls.map((argv) => argv[1])).toEqual(['stop', 'delete']);
  const badConfig = join(tempDir('dcvix-svc-'), 'bad.conf');
  writeFileSync(badConfig, 'listen_port = "many"\n');
  const pc = machine();
  expect(await pc.run(['service', 'install', '--config', badConfig])).toBe(2);
  expect(await pc.run(['service', 'install', 'extra', '--config', config()])).toBe(2);
  const linux = machine({}, 'linux');
  expect(await linux.run(['service', 'start'])).toBe(1);
  expect([pc.calls, linux.calls]).toEqual([[], []]);
});
