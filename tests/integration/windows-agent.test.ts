import { afterAll, beforeAll, expect, test } from 'bun:test';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveAgent, dcvArgvLog, startAgent, startDirector, toml, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs, repoRoot, tempDir } from '../helpers/temp.ts';
import { windowsBunExe } from '../../scripts/lib/windows-runtime.ts';
import { buildWindowsExe, winePath, winePrefix, type WinePrefix } from '../helpers/wine.ts';

/**
 * The Windows agent for real, under wine: the executable `npm run build` makes answers --version and
 * --help and carries its version metadata; then a Linux director and that agent (the dcv simulator
 * compiled for Windows as its dcv.exe) beside a Linux agent: registration, approval, updates with
 * Windows stats and facts, console sessions created and closed through the director (a DOMAIN\user
 * owner among them), virtual sessions kept off the Windows host, certificate renewal; and the agent as a
 * real service under wine's service manager (install, start, log file, clean stop, uninstall); and the
 * agent's unit tests run by the Windows bun.exe.
 */
const AGENT_EXE = join(repoRoot, 'dist', 'dcvix-agent-windows-x64.exe');

let wine: WinePrefix;
let director: DirectorHandle;
let windowsAgent: AgentHandle;
let linuxAgent: AgentHandle;
let admin: string;
let windowsId: string;
let linuxId: string;

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const server = async (id: string) => (await api('/v1/servers', { cookie: admin })).json.servers.find((s: { id: string }) => s.id === id);

/** UTF-16LE bytes of a version resource string, as Windows stores them. */
const utf16 = (text: string) => Buffer.from(text, 'utf16le');

describeWith(['wine'], 'the Windows agent under wine', () => {
  beforeAll(async () => {
    const dir = tempDir('dcvix-windows-');
    // The real build (Linux programs too, a few seconds): the Windows executable is what it makes.
    const [prefix] = await Promise.all([winePrefix(join(dir, 'wine')), run([process.execPath, 'run', join(repoRoot, 'scripts/build.ts')])]);
    wine = prefix;
    const dcvExe = await buildWindowsExe('tests/fixtures/dcv-simulator.ts', join(dir, 'dcv.exe'));
    director = await startDirector();
    const command = [
      'env',
      ...Object.entries(wine.env())
        .filter(([key]) => key.startsWith('WINE') || key === 'DISPLAY')
        .map(([key, value]) => `${key}=${value}`),
      'wine',
      AGENT_EXE,
    ];
    windowsAgent = await startAgent(director.url, {
      command,
      config: { hostname: 'win-ws1', dcv_path: winePath(dcvExe), data_dir: winePath(join(dir, 'agent')), renew_interval: '4s', renew_retry_interval: '1s' },
      dir: join(dir, 'windows-agent-run'),
    });
    windowsAgent.dataDir = join(dir, 'agent');
    ({ adminCookie: admin, serverId: windowsId } = await approveAgent(director, windowsAgent));
    linuxAgent = await startAgent(director.url, { config: { hostname: 'linux-ws1' } });
    ({ serverId: linuxId } = await approveAgent(director, linuxAgent, { adminCookie: admin }));
  }, 150_000);

  afterAll(async () => {
    await windowsAgent?.stop();
    await linuxAgent?.stop();
    await director?.stop();
    await wine?.stop();
    cleanupTempDirs();
  });

  test('ok: the executable answers --version and --help, and its version resource names it', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    const version = await wine.run([AGENT_EXE, '--version']);
    expect([version.code, version.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^dcvix-agent ${pkg.version.replaceAll('.', '\\.')} \\(commit [0-9a-f]{12}(-dirty)?\\)`))]);
    const help = await wine.run([AGENT_EXE, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: dcvix-agent [--config FILE]');
    expect(help.stdout).toContain('C:\\ProgramData\\dcvix\\dcvix-agent.conf');
    expect(help.stdout).toContain('dcvix-agent service install');
    const exe = readFileSync(AGENT_EXE);
    for (const text of ['dcvix agent for Amazon DCV hosts', 'dcvix-agent.exe', pkg.version]) expect([text, exe.includes(utf16(text))]).toEqual([text, true]);
  });

  test('ok: registered, approved and updating: Windows facts, CPU use measured, no load average, console sessions only', async () => {
    expect([windowsId, linuxId]).toEqual(['win-ws1', 'linux-ws1']);
    const windows = await eventually(async () => ((await server(windowsId))?.stats?.cpu_usage > 0 ? server(windowsId) : undefined), 20_000, 'a CPU figure from the Windows agent');
    expect(windows.host.osFamily).toBe('windows');
    expect(windows.stats).toMatchObject({ load1: 0, load5: 0, load15: 0 });
    expect(windows.stats.cores).toBeGreaterThan(0);
    expect(windows.stats.total_memory).toBeGreaterThan(0);
    expect(windows.health.status).toBe('healthy');
    expect(windows.consoleOnly).toBe(true);
    expect((await server(linuxId)).consoleOnly).toBeUndefined();
  });

  test('ok: a console session on the Windows host is created and closed through the director, also for a DOMAIN\\user owner', async () => {
    for (const owner of ['alice', 'CORP\\alice']) {
      const created = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId: windowsId, userId: owner, sessionType: 'console', override: true } });
      expect([created.status, created.json?.session?.type, created.json?.session?.owner]).toEqual([200, 'console', owner]);
      const id = created.json.session.id as string;
      expect(dcvArgvLog(windowsAgent).find((argv) => argv[0] === 'create-session' && argv.at(-1) === id)).toEqual(expect.arrayContaining(['--type', 'console', '--owner', owner]));
      await eventually(async () => (await server(windowsId)).sessions.some((s: { id: string }) => s.id === id), 15_000, 'the session in an update');
      const closed = await api(`/v1/sessions/${id}`, { method: 'DELETE', cookie: admin });
      expect(closed.status).toBe(200);
      expect(dcvArgvLog(windowsAgent).some((argv) => argv[0] === 'close-session' && argv[1] === id)).toBe(true);
      await eventually(async () => !(await server(windowsId)).sessions.some((s: { id: string }) => s.id === id), 15_000, 'the session gone from updates');
    }
  });

  test('rejects: a virtual session on the Windows host by name is 409 CONSOLE_ONLY; through a pool it goes to the Linux host', async () => {
    const byName = await api('/v1/sessions', { method: 'POST', cookie: admin, json: { serverId: windowsId, userId: 'alice', sessionType: 'virtual', override: true } });
    expect([byName.status, byName.json?.error?.code]).toEqual([409, 'CONSOLE_ONLY']);
    expect(dcvArgvLog(windowsAgent).some((argv) => argv[0] === 'create-session' && argv.includes('virtual'))).toBe(false);
    const { login } = await import('../helpers/https.ts');
    const alice = await login(director.url, director.caPem, 'alice', 'alice-pw');
    // The idle Windows host is no candidate: the Linux host takes it, whatever its load.
    const placed = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
    expect([placed.status, placed.json?.session?.serverId]).toEqual([200, linuxId]);
  });

  test("ok: as a Windows service (wine's service manager): installed, started, logging to its file, stopped cleanly by the host closing its stdin, uninstalled", async () => {
    const dir = tempDir('dcvix-windows-service-');
    for (const [from, to] of [
      [AGENT_EXE, 'dcvix-agent.exe'],
      [join(repoRoot, 'dist', 'dcvix-agent-service-windows-x64.exe'), 'dcvix-agent-service.exe'],
    ] as const)
      copyFileSync(from, join(dir, to));
    const configFile = join(dir, 'dcvix-agent.conf');
    writeFileSync(
      configFile,
      toml({ director_url: director.url, data_dir: winePath(join(dir, 'agent')), listen_host: '127.0.0.1', listen_port: 0, metrics_enabled: false, hostname: 'win-svc', register_interval: '500ms' }),
    );
    const agentExe = join(dir, 'dcvix-agent.exe');
    const query = async () => (await wine.run(['sc.exe', 'query', 'dcvix-agent'])).stdout;
    const install = await wine.run([agentExe, 'service', 'install', '--config', winePath(configFile)]);
    expect([install.code, install.stdout]).toEqual([0, expect.stringContaining('installed the service dcvix-agent')]);
    expect((await wine.run([agentExe, 'service', 'start'])).code).toBe(0);
    const log = join(dir, 'logs', 'dcvix-agent.log');
    const logText = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
    await eventually(async () => logText().includes('registration pending approval'), 30_000, 'the service agent waiting for approval, in its log');
    expect(await query()).toMatch(/STATE\s+:\s+4\s+RUNNING/);
    expect((await wine.run([agentExe, 'service', 'stop'])).code).toBe(0);
    await eventually(async () => /STATE\s+:\s+1\s+STOPPED/.test(await query()), 15_000, 'the service stopped');
    expect(logText()).toContain("stop requested: closing the agent's standard input");
    expect(logText()).not.toContain('did not stop in time');
    expect((await wine.run([agentExe, 'service', 'uninstall'])).code).toBe(0);
    expect(await query()).not.toContain('dcvix-agent');
  });

  test("ok: the agent's unit tests pass under the Windows bun.exe (Linux-only cases skip themselves)", async () => {
    const files = [...new Bun.Glob('agent/**/*.test.ts').scanSync({ cwd: repoRoot })].sort().map((file) => `./${file}`);
    const result = await wine.run([windowsBunExe(repoRoot), 'test', '--timeout', '60000', ...files]);
    const output = result.stdout + result.stderr;
    const failed = output.split('\n').filter((line) => line.startsWith('(fail)') || line.startsWith('error:'));
    expect([result.code, failed, output.match(/^Ran \d+ tests across (\d+) files/m)?.[1]]).toEqual([0, [], String(files.length)]);
    expect(Number(output.match(/^ +(\d+) pass$/m)?.[1])).toBeGreaterThan(100);
  }, 120_000);

  test('ok: the Windows agent renews its certificate', async () => {
    const renewed = await windowsAgent.proc.waitForMsg('certificate renewed', 30_000);
    expect(renewed.notAfter).toBeString();
    // Still trusted with the new certificate: updates keep arriving.
    const before = (await server(windowsId)).lastSeen;
    await eventually(async () => (await server(windowsId)).lastSeen > before, 15_000, 'an update after renewal');
  });
});
