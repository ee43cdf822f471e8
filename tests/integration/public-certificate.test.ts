import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { approveAgent, startAgent, startDirector, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually } from '../helpers/https.ts';
import { freePort } from '../../scripts/lib/free-port.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * Issue 25, the site's own certificate: a "corporate" CA made here with openssl issues the certificate
 * for dcv.example.test; the director presents it on public_port and, by SNI, for that name on its own
 * port. curl trusting only that CA reaches the web app and the verifier; an agent still enrols and
 * updates over the director's CA; a renewed certificate is served after SIGHUP without a restart.
 */
const NAME = 'dcv.example.test';
let dir: string;
let director: DirectorHandle;
let agent: AgentHandle;
let publicPort: number;
let serverId: string;
let admin: string;

const openssl = (...args: string[]) => run(['openssl', ...args], { env: process.env as Record<string, string> });

/** A leaf for NAME signed by the public CA in `dir`, written as <base>.crt (leaf then CA: a chain) and <base>.key. */
async function issue(base: string, cn: string): Promise<void> {
  const file = (ext: string) => join(dir, `${base}.${ext}`);
  await openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('key'), '-out', file('csr'), '-subj', `/CN=${cn}`);
  writeFileSync(file('ext'), `subjectAltName=DNS:${NAME}\nextendedKeyUsage=serverAuth\n`);
  await openssl(
    'x509',
    '-req',
    '-in',
    file('csr'),
    '-CA',
    join(dir, 'public-ca.crt'),
    '-CAkey',
    join(dir, 'public-ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('ext'),
    '-out',
    file('leaf'),
  );
  await run(['sh', '-c', `cat '${file('leaf')}' '${join(dir, 'public-ca.crt')}' > '${file('crt')}'`]);
}

/** curl trusting only `ca`, NAME resolved to 127.0.0.1: status, body and the subject the server presented. */
async function curl(port: number, path: string, ca: string, extra: string[] = [], host = NAME) {
  const out = await run(['curl', '-sS', '-v', '--cacert', ca, '--resolve', `${host}:${port}:127.0.0.1`, '-o', '-', '-w', '\n%{http_code}', ...extra, `https://${host}:${port}${path}`], {
    allowFail: true,
  });
  const lines = out.stdout.trimEnd().split('\n');
  return { code: out.code, status: Number(lines.at(-1)), body: lines.slice(0, -1).join('\n'), subject: /subject: (.*)/.exec(out.stderr)?.[1] ?? '', stderr: out.stderr };
}

beforeAll(async () => {
  dir = tempDir('dcvix-public-tls-');
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(dir, 'public-ca.key'),
    '-out',
    join(dir, 'public-ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=Example Corp Root',
  );
  await issue('site', 'dcv-first');
  publicPort = await freePort();
  director = await startDirector({
    config: {
      public_tls_cert_file: join(dir, 'site.crt'),
      public_tls_key_file: join(dir, 'site.key'),
      public_port: publicPort,
      public_hostnames: [NAME],
      // Only SIGHUP reloads here (the file check is unit-tested), so the reload seen below is the signal's.
      public_tls_check_interval: '1h',
    },
  });
  agent = await startAgent(director.url);
  ({ serverId, adminCookie: admin } = await approveAgent(director, agent));
}, 90_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

describe('public certificate', () => {
  const publicCa = () => join(dir, 'public-ca.crt');
  const form = ['-X', 'POST', '-H', 'content-type: application/x-www-form-urlencoded', '--data', 'sessionId=s1&authenticationToken=not-a-token'];

  test('ok: with only the public CA trusted, curl reaches the web app and the verifier on public_port and by SNI on director_port', async () => {
    for (const port of [publicPort, director.port]) {
      const web = await curl(port, '/', publicCa());
      expect([port, web.code, web.status, web.subject]).toEqual([port, 0, 200, 'CN=dcv-first']);
      expect(web.body).toContain('<html');
      const verifier = await curl(port, '/v1/user/authtokenverify', publicCa(), form);
      expect([port, verifier.status, verifier.body]).toEqual([port, 200, expect.stringContaining('<auth result="no">')]);
    }
  });

  test("ok: other names on director_port keep the director's own certificate, which the public CA does not vouch for", async () => {
    const own = await curl(director.port, '/v1/health', director.caFile, [], 'localhost');
    expect([own.status, own.subject]).toEqual([200, 'CN=dcvix-director']);
    expect((await curl(director.port, '/v1/health', publicCa(), [], 'localhost')).code).not.toBe(0);
  });

  test('rejects: agent routes on public_port are not there (404); the agent enrolled and updates over the internal CA', async () => {
    const register = await curl(publicPort, '/v1/agent/register', publicCa(), ['-X', 'POST', '-H', 'content-type: application/json', '--data', '{}']);
    expect([register.status, JSON.parse(register.body).error.code]).toEqual([404, 'NOT_FOUND']);
    // approveAgent waited for the first update; later ones keep coming (update_interval 1 s).
    const lastSeen = async () => (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json.servers.find((s: { id: string }) => s.id === serverId)?.lastSeen as string;
    const first = await lastSeen();
    expect(first).toBeTruthy();
    await eventually(async () => ((await lastSeen()) > first ? true : undefined), 10_000, 'a further update');
    expect(agent.proc.lines.filter((line) => line.includes('update failed'))).toEqual([]);
  });

  test('ok: a renewed certificate is served after SIGHUP, without a restart', async () => {
    await issue('renewed', 'dcv-renewed');
    renameSync(join(dir, 'renewed.key'), join(dir, 'site.key'));
    renameSync(join(dir, 'renewed.crt'), join(dir, 'site.crt'));
    director.proc.proc.kill('SIGHUP');
    await director.proc.waitForMsg('public certificate reloaded', 10_000);
    for (const port of [publicPort, director.port]) expect([port, (await curl(port, '/', publicCa())).subject]).toEqual([port, 'CN=dcv-renewed']);
  });
});
