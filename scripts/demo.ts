#!/usr/bin/env bun
/**
 * One-command demo on one machine: a director with its own CA in .data/demo, one agent approved
 * automatically, the dcv simulator standing in for DCV, a demo policy with a demo user. Prints the URL
 * and the credentials; Ctrl-C stops everything. Re-running keeps the CA, the agent and the key.
 *
 *   npm run demo [-- --port 8445] [-- --data DIR] [-- --fresh]
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LoggedProcess } from './lib/logged-process.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(`Usage: npm run demo [-- --port PORT] [-- --data DIR] [-- --fresh]
  Starts a director with its own CA, one agent approved automatically (the dcv simulator stands in for
  DCV) and a demo policy; prints the URL, the logins and the agent's metrics URL (any free port, so
  demos with different --port and --data run side by side). Ctrl-C stops everything.
  --port PORT   director port (default 8445; 0 = any free port)
  --data DIR    state directory (default .data/demo); --fresh wipes it first`);

const root = resolve(import.meta.dir, '..');
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const port = option('--port') !== undefined ? Number(option('--port')) : 8445;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('--port must be a port number (0 = any free port)');
  process.exit(2);
}
const base = resolve(option('--data') ?? join(root, '.data', 'demo'));
if (args.includes('--fresh')) rmSync(base, { recursive: true, force: true });
mkdirSync(base, { recursive: true, mode: 0o700 });

const USERS = { demo: 'demo-password', admin: 'admin-password' };
const file = (name: string) => join(base, name);
writeFileSync(
  file('passwords.txt'),
  `${Object.entries(USERS)
    .map(([u, p]) => `${u}:${p}`)
    .join('\n')}\n`,
  { mode: 0o600 },
);
if (!existsSync(file('token.key'))) writeFileSync(file('token.key'), Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex'), { mode: 0o600 });
writeFileSync(file('users.json'), JSON.stringify({ admins: ['admin'], users: { demo: { servers: ['*'], pools: ['workstations'] }, admin: { servers: ['*'], pools: ['workstations'] } } }, null, 2));
writeFileSync(file('pools.json'), JSON.stringify({ pools: { workstations: { description: 'Every demo workstation', servers: ['*'] } } }, null, 2));
writeFileSync(
  file('dcvix-director.conf'),
  `${[
    `director_host = "127.0.0.1"`,
    `director_port = ${port}`,
    `data_dir = "director"`,
    `token_key = "${readFileSync(file('token.key'), 'utf8').trim()}"`,
    `[auth]`,
    `backends = ["external"]`,
    `[auth.external]`,
    `command = ["${join(root, 'scripts/demo/passwd-file-auth.sh')}", "${file('passwords.txt')}"]`,
  ].join('\n')}\n`,
  { mode: 0o600 },
);

const bun = process.execPath;
const env = { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}`, DCV_SIM_STATE: file('dcv-simulator-state.json') };
const spawn = (name: string, argv: string[]) => new LoggedProcess(name, Bun.spawn(argv, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env }));

const director = spawn('director', [bun, join(root, 'director/main.ts'), '--config', file('dcvix-director.conf')]);
const children = [director];
const stop = async (code = 0) => {
  await Promise.all(children.map((c) => c.stop()));
  process.exit(code);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

try {
  const ready = await director.waitForMsg('director listening', 30_000);
  const fingerprint = (await director.waitForMsg('CA ready')).fingerprintSha256;
  const url = `https://localhost:${ready.port}`;
  const ca = readFileSync(join(base, 'director', 'ca.pem'), 'utf8');
  writeFileSync(
    file('dcvix-agent.conf'),
    `${[
      `director_url = "https://127.0.0.1:${ready.port}"`,
      `data_dir = "agent"`,
      `listen_host = "127.0.0.1"`,
      `listen_port = 0`,
      `# Any free port for the metrics listener (printed below), so several demos can run side by side.`,
      `metrics_port = 0`,
      `hostname = "demo-workstation"`,
      `register_interval = "1s"`,
      `update_interval = "5s"`,
      `tags = ["demo", "simulated-dcv"]`,
      `# The dcv simulator is a stand-in for Amazon DCV's CLI, for this demo only.`,
      `dcv_path = "${join(root, 'tests/fixtures/dcv-simulator.ts')}"`,
    ].join('\n')}\n`,
  );
  const agent = spawn('agent', [bun, join(root, 'agent/main.ts'), '--config', file('dcvix-agent.conf')]);
  children.push(agent);
  const tls = { ca };
  const login = await fetch(`${url}/v1/admin/login`, { method: 'POST', body: JSON.stringify({ userID: 'admin', password: USERS.admin }), tls } as RequestInit);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const first = await Promise.race([agent.waitForMsg('agent listening', 30_000), agent.waitForMsg('registration pending approval', 30_000)]);
  if (first.msg !== 'agent listening') {
    const guid = readFileSync(join(base, 'agent', 'agent.guid'), 'utf8').trim();
    const approved = await fetch(`${url}/v1/admin/agents/${guid}/approve`, { method: 'POST', headers: { cookie }, tls } as RequestInit);
    if (!approved.ok) throw new Error(`approving the demo agent failed: ${approved.status} ${await approved.text()}`);
    await agent.waitForMsg('agent listening', 30_000);
  }
  // Ready when the director has the workstation's first update.
  for (let attempt = 0; ; attempt++) {
    const servers = await (await fetch(`${url}/v1/servers`, { headers: { cookie }, tls } as RequestInit)).json();
    if (servers.servers?.some((s: { online: boolean }) => s.online)) break;
    if (attempt > 300) throw new Error('the demo agent never reported to the director');
    await Bun.sleep(100);
  }
  // Logged at the agent's start, long before it reported: the line is already there.
  const agentMetrics = await agent.waitForMsg('agent metrics listening', 5_000);
  console.log(`
  dcvix demo is running (Ctrl-C stops it)

    Open:   ${url}/
    User:   demo  / ${USERS.demo}
    Admin:  admin / ${USERS.admin}   (link "Administrator sign-in", or ${url}/#/admin/login)

    The director's certificate comes from its own CA; the browser will warn once.
    CA file:        ${join(base, 'director', 'ca.pem')}
    CA SHA-256:     ${fingerprint}
    Agent metrics:  ${agentMetrics.url}
    Data:           ${base}
    Logs:           DCVIX_DEMO_VERBOSE=1 npm run demo
`);
  if (process.env.DCVIX_DEMO_VERBOSE) for (const child of children) for (const line of child.lines) console.error(`[${child.name}] ${line}`);
  await Promise.race(children.map((c) => c.exited));
  console.error('a demo process exited; stopping');
  await stop(1);
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  await stop(1);
}
