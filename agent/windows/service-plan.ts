/**
 * The system calls behind `dcvix-agent service install|uninstall|start|stop` on Windows: sc.exe for the
 * service (LocalSystem, started at boot, restarted when the agent dies) and netsh for the firewall rule
 * that lets the director reach the agent's port. The service runs dcvix-agent-service.exe, the service
 * host beside the agent (packaging/windows), which starts the agent and logs its output to a rotating
 * file. Built as argv lists so the tests can check each call exactly.
 */
import { win32 } from 'node:path';

const SERVICE_NAME = 'dcvix-agent';
const DISPLAY_NAME = 'dcvix agent';
const DESCRIPTION = 'Enrols this DCV host with the dcvix director and drives the DCV Server for it.';
/** The firewall rule's name, which uninstall deletes by. */
const FIREWALL_RULE = 'dcvix agent';

/** What install needs to know. */
export interface ServiceLayout {
  /** The agent executable (this program). */
  agentExe: string;
  /** The service host, dcvix-agent-service.exe beside the agent. */
  hostExe: string;
  configFile: string;
  /** The agent's log file (rotated by the service host). */
  logFile: string;
  /** The agent's listen_port, opened in the firewall. */
  port: number;
}

/** One argument as the Windows command line quotes it (no argument here holds a quote: paths cannot). */
const quoted = (value: string) => `"${value}"`;

/** Where the service host sits and the agent logs, given the agent's path and its data directory. */
export function serviceLayout(agentExe: string, configFile: string, dataDir: string, port: number): ServiceLayout {
  return { agentExe, hostExe: win32.join(win32.dirname(agentExe), 'dcvix-agent-service.exe'), configFile, logFile: win32.join(win32.dirname(dataDir), 'logs', 'dcvix-agent.log'), port };
}

/** A system call of install or uninstall; `mayFail`: its failure is reported, not fatal. */
export interface ServiceCall {
  argv: string[];
  mayFail: boolean;
}

const must = (argv: string[]): ServiceCall => ({ argv, mayFail: false });

/** sc.exe create ..., the service's description and restart actions, and the firewall rule. */
export function installCalls(layout: ServiceLayout): ServiceCall[] {
  const binPath = [layout.hostExe, layout.logFile, layout.agentExe, '--config', layout.configFile].map(quoted).join(' ');
  return [
    must(['sc.exe', 'create', SERVICE_NAME, 'binPath=', binPath, 'start=', 'auto', 'obj=', 'LocalSystem', 'DisplayName=', DISPLAY_NAME]),
    must(['sc.exe', 'description', SERVICE_NAME, DESCRIPTION]),
    // An agent that dies is started again: after 5 s, 5 s, then every minute; the count resets after a day.
    must(['sc.exe', 'failure', SERVICE_NAME, 'reset=', '86400', 'actions=', 'restart/5000/restart/5000/restart/60000']),
    // The host reports an agent that exited with an error as a service-specific error, not a crash: count
    // that as a failure too. Wine's sc.exe lacks the verb, so there it is reported, not fatal.
    { argv: ['sc.exe', 'failureflag', SERVICE_NAME, '1'], mayFail: true },
    must([
      'netsh',
      'advfirewall',
      'firewall',
      'add',
      'rule',
      `name=${FIREWALL_RULE}`,
      'dir=in',
      'action=allow',
      'protocol=TCP',
      `localport=${layout.port}`,
      `program=${layout.agentExe}`,
      'enable=yes',
    ]),
  ];
}

/** The calls of uninstall: stop (it may not run: not an error), delete the service, delete the firewall rule. */
export function uninstallCalls(): ServiceCall[] {
  return [
    { argv: ['sc.exe', 'stop', SERVICE_NAME], mayFail: true },
    { argv: ['sc.exe', 'delete', SERVICE_NAME], mayFail: false },
    { argv: ['netsh', 'advfirewall', 'firewall', 'delete', 'rule', `name=${FIREWALL_RULE}`], mayFail: true },
  ];
}

/** sc.exe start|stop dcvix-agent. */
export const controlCall = (action: 'start' | 'stop'): string[] => ['sc.exe', action, SERVICE_NAME];
