/**
 * Starts a private FreeRADIUS 3.2 (foreground) on 127.0.0.1 for integration tests, from
 * tests/fixtures/radius (users alice/alice-pw, bob/bob-pw; carol/carol-pw then OTP 123456 through an
 * Access-Challenge), on a random UDP port, in a temp dir removed by stop().
 */
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dir, '..', 'fixtures', 'radius');

export interface FreeRadius {
  port: number;
  secret: string;
  stop(): Promise<void>;
}

/** Names of the binaries this helper needs that are not installed. */
export function freeradiusMissingTools(): string[] {
  return ['freeradius'].filter((t) => !Bun.which(t, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` }));
}

/** A UDP port that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Starts freeradius -f with the fixture config; resolves once it logs "Ready to process requests". */
export async function startFreeRadius(secret = 'dcvix-test-secret'): Promise<FreeRadius> {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-radius-'));
  const port = await freeUdpPort();
  const conf = (await Bun.file(join(FIXTURES, 'radiusd.conf')).text()).replaceAll('@DIR@', dir).replaceAll('@PORT@', String(port)).replaceAll('@SECRET@', secret);
  writeFileSync(join(dir, 'radiusd.conf'), conf);
  writeFileSync(join(dir, 'users'), await Bun.file(join(FIXTURES, 'users')).text());
  const proc = Bun.spawn(['freeradius', '-f', '-d', dir, '-n', 'radiusd'], { stdout: 'ignore', stderr: 'pipe' });
  const stop = async () => {
    proc.kill('SIGTERM');
    await Promise.race([proc.exited, Bun.sleep(3000).then(() => proc.kill('SIGKILL'))]);
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 10_000;
  const logFile = join(dir, 'radius.log');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  while (!log().includes('Ready to process requests')) {
    if (proc.exitCode !== null || Date.now() > until) {
      const text = `exit ${proc.exitCode}: ${log() || (proc.exitCode !== null ? await new Response(proc.stderr).text() : '')}`;
      await stop();
      throw new Error(`freeradius did not start: ${text.slice(-2000)}`);
    }
    await Bun.sleep(50);
  }
  return { port, secret, stop };
}
