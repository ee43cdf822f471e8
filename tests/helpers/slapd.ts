/**
 * Starts a private slapd (OpenLDAP) on 127.0.0.1 for integration tests: throwaway config and data from
 * tests/fixtures/ldap, a fresh self-signed certificate (SAN IP:127.0.0.1) for ldaps:// and StartTLS,
 * random ports, a temp dir removed by stop().
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dir, '..', 'fixtures', 'ldap');
const TOOLS = ['slapd', 'slapadd', 'openssl'];

export interface Slapd {
  url: string;
  ldapsUrl: string;
  /** PEM of the self-signed server certificate (its own CA). */
  caFile: string;
  baseDn: string;
  serviceDn: string;
  servicePassword: string;
  stop(): Promise<void>;
}

/** Names of the binaries this helper needs that are not installed. */
export function slapdMissingTools(): string[] {
  return TOOLS.filter((t) => !Bun.which(t, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` }));
}

/** A TCP port that was free a moment ago. */
export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function run(argv: string[]): Promise<void> {
  const proc = Bun.spawn(argv, { stdout: 'pipe', stderr: 'pipe' });
  if ((await proc.exited) !== 0) throw new Error(`${argv[0]} failed: ${await new Response(proc.stderr).text()}`);
}

/** Writes a self-signed P-256 certificate into dir (cert.pem, key.pem), by default for 127.0.0.1. */
export async function selfSignedCert(dir: string, name: { cn: string; san?: string } = { cn: '127.0.0.1', san: 'IP:127.0.0.1' }): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const san = name.san ? ['-addext', `subjectAltName=${name.san}`] : [];
  await run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name.cn}`, ...san]);
  return { cert, key };
}

async function waitForPort(port: number, deadlineMs: number, proc: Bun.Subprocess): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`slapd exited with ${proc.exitCode}`);
    const ok = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } }).then(
      (s) => (s.end(), true),
      () => false,
    );
    if (ok) return;
    await Bun.sleep(50);
  }
  throw new Error('slapd did not start listening');
}

/** Starts slapd with the fixture directory; call stop() in afterAll. */
export async function startSlapd(): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-slapd-'));
  mkdirSync(join(dir, 'db'));
  const { cert } = await selfSignedCert(dir);
  const conf = join(dir, 'slapd.conf');
  writeFileSync(conf, (await Bun.file(join(FIXTURES, 'slapd.conf')).text()).replaceAll('@DIR@', dir));
  await run(['slapadd', '-q', '-f', conf, '-l', join(FIXTURES, 'data.ldif')]);
  const [port, tlsPort] = [await freeTcpPort(), await freeTcpPort()];
  const proc = Bun.spawn(['slapd', '-f', conf, '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`, '-d', '0'], { stdout: 'ignore', stderr: 'pipe' });
  const stop = async () => {
    proc.kill('SIGTERM');
    await Promise.race([proc.exited, Bun.sleep(3000).then(() => proc.kill('SIGKILL'))]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 10_000, proc);
    await waitForPort(tlsPort, 10_000, proc);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
    caFile: cert,
    baseDn: 'dc=example,dc=test',
    serviceDn: 'cn=dcvix,ou=services,dc=example,dc=test',
    servicePassword: 'service-secret',
    stop,
  };
}
