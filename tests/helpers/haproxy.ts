/**
 * Runs HAProxy in the foreground for tests with the shipped packaging/haproxy/haproxy.cfg (or another
 * file), its addresses given through the DCVIX_* environment variables that file reads. Listen ports
 * are picked below 32768 (the kernel hands out higher ones to outgoing connections, and a check socket
 * in TIME-WAIT there once blocked a bind).
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { LoggedProcess } from './process.ts';
import { repoRoot } from './temp.ts';

export const HAPROXY_CFG = join(repoRoot, 'packaging', 'haproxy', 'haproxy.cfg');

export interface Haproxy {
  port: number;
  statsPort: number;
  proc: LoggedProcess;
  /** Status column of a backend server in the stats CSV ("UP", "DOWN", "no check", ...). */
  status(server: string): Promise<string>;
  /** Any column of a backend server's stats CSV row, by its header name (`chkfail`, `check_duration`, ...). */
  stat(server: string, column: string): Promise<string>;
  waitForStatus(server: string, want: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 in 20000-32000. */
export async function lowFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below 32768');
}

/** `haproxy -c`: returns the exit code and output. */
export async function checkHaproxyConfig(env: Record<string, string>, cfg = HAPROXY_CFG): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn(['haproxy', '-c', '-f', cfg], { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, output: out + err };
}

/**
 * Starts HAProxy with DCVIX_DIRECTOR_A/B pointed at the given director ports and the health checks
 * verifying caFile. Extra env entries override anything.
 */
export async function startHaproxy(opts: { directorPorts: [number, number]; caFile: string; env?: Record<string, string>; cfg?: string }): Promise<Haproxy> {
  const port = await lowFreePort();
  const statsPort = await lowFreePort();
  const env = {
    DCVIX_LB_BIND: `127.0.0.1:${port}`,
    DCVIX_LB_STATS_BIND: `127.0.0.1:${statsPort}`,
    DCVIX_DIRECTOR_A: `127.0.0.1:${opts.directorPorts[0]}`,
    DCVIX_DIRECTOR_B: `127.0.0.1:${opts.directorPorts[1]}`,
    DCVIX_CA_FILE: opts.caFile,
    DCVIX_CHECK_SNI: 'localhost',
    ...opts.env,
  };
  const proc = new LoggedProcess('haproxy', Bun.spawn(['haproxy', '-f', opts.cfg ?? HAPROXY_CFG, '-db'], { env: { ...process.env, ...env }, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }));
  const csv = async () => (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
  const stat = async (server: string, column: string) => {
    const [header = '', ...rows] = (await csv()).split('\n');
    const index = header.replace(/^# /, '').split(',').indexOf(column);
    const line = rows.find((l) => l.startsWith(`directors,${server},`));
    return (index >= 0 && line?.split(',')[index]) || 'missing';
  };
  const status = (server: string) => stat(server, 'status');
  const until = Date.now() + 10_000;
  for (;;) {
    if (
      await csv().then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() > until) throw new Error(`haproxy did not start: ${proc.tail()}`);
    await Bun.sleep(50);
  }
  return {
    port,
    statsPort,
    proc,
    status,
    stat,
    async waitForStatus(server, want, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < end) {
        last = await status(server);
        if (last.startsWith(want)) return;
        await Bun.sleep(100);
      }
      throw new Error(`haproxy server ${server} is ${last}, not ${want}`);
    },
    stop: () => proc.stop(),
  };
}

/**
 * An HTTPS request with curl from a chosen loopback source address (Bun's fetch cannot bind one), so
 * tests can be a client other than the proxy; optional client certificate (files).
 */
export async function curlFrom(
  from: string,
  url: string,
  opts: { caFile: string; json?: unknown; form?: Record<string, string>; cookie?: string; method?: string; cert?: string; key?: string },
): Promise<{ status: number; body: string; json: any; cookie?: string }> {
  const argv = ['curl', '-s', '--max-time', '10', '--cacert', opts.caFile, '--interface', from, '-o', '-', '-w', '\n%{http_code}', '-D', '-'];
  if (opts.method) argv.push('-X', opts.method);
  if (opts.json !== undefined) argv.push('-H', 'content-type: application/json', '--data-binary', JSON.stringify(opts.json));
  for (const [name, value] of Object.entries(opts.form ?? {})) argv.push('--data-urlencode', `${name}=${value}`);
  if (opts.cookie) argv.push('-H', `cookie: ${opts.cookie}`);
  if (opts.cert && opts.key) argv.push('--cert', opts.cert, '--key', opts.key);
  argv.push(url);
  const proc = Bun.spawn(argv, { stdout: 'pipe', stderr: 'pipe' });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const cut = out.lastIndexOf('\n');
  const status = Number(out.slice(cut + 1));
  const [head = '', body = ''] = out.slice(0, cut).split('\r\n\r\n');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, body, json, cookie: /^set-cookie: ([^;]+)/im.exec(head)?.[1] };
}
