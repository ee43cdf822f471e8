import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expireCertificateRecord } from '../helpers/agent-record.ts';
import { approveAgent, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { registrationCsr } from '../../agent/enroll/registrator.ts';
import { ensureIdentity } from '../../agent/identity/identity.ts';
import { generateEd25519, privateKeyToPem } from '../../shared/pki/keys.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, repoRoot, tempDir } from '../helpers/temp.ts';
import { selfSignedCert } from '../helpers/slapd.ts';

/** Start-up checks and the agent failure modes of docs/failure-modes.md, with real processes. */
let director: DirectorHandle;
let admin: string;
const bun = process.execPath;

beforeAll(async () => {
  director = await startDirector();
  admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
}, 60_000);

afterAll(async () => {
  await director?.stop();
  cleanupTempDirs();
});

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

const agentsIn = async (state: string) => (await call(`${director.url}/v1/admin/agents?state=${state}`, { ca: director.caPem, cookie: admin })).json.agents as { guid: string }[];

describe('start-up', () => {
  test('ok: the listening line says where start-up time went, step by step, in ms since exec', () => {
    const line = director.proc.lines.find((l) => l.includes('"director listening"'))!;
    const steps = JSON.parse(line).startupMs as Record<string, number>;
    expect(Object.keys(steps)).toEqual(['modules and config', 'login backends', 'store and CA', 'services', 'routes', 'state loaded', 'listening']);
    const ends = Object.values(steps);
    expect(ends.every((end, i) => end > 0 && end >= (ends[i - 1] ?? 0))).toBe(true);
  });

  test('ok: --help and --version answer without starting', async () => {
    for (const program of ['director', 'agent']) {
      const help = await run([bun, join(repoRoot, program, 'main.ts'), '--help']);
      expect(help.stdout).toContain('--config');
      const version = await run([bun, join(repoRoot, program, 'main.ts'), '--version']);
      expect(version.stdout).toMatch(new RegExp(`^dcvix-${program} \\S+ \\(commit \\S+\\)`));
    }
  });

  test('rejects: a bad director config value names the file and the key', async () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      ['director_port = "abc"\n', 'key "director_port" must be an integer'],
      ['director_prot = 1\n', 'unknown key "director_prot"'],
      ['token_key = "short"\n', 'key "token_key"'],
      ['gateway_allow = ["10.0.0.0/99"]\n', 'key "gateway_allow"'],
      ['session_token_ttl = "soon"\n', 'key "session_token_ttl"'],
      ['[throttle]\nmax_failures = -1\n', 'key "throttle.max_failures"'],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, 'bad.conf');
      writeFileSync(file, `data_dir = "${join(dir, 'data')}"\n${text}`);
      const result = await run([bun, join(repoRoot, 'director/main.ts'), '--config', file], { allowFail: true });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toContain(message);
    }
  });

  test('rejects: a bad policy, key, CIDR or named file stops the director before data_dir is written', async () => {
    const cases: { conf: string; files?: Record<string, string>; names: string[] }[] = [
      { conf: '', files: { 'users.json': '{"admins": "root"}' }, names: ['users.json', 'admins must be a list of names'] },
      { conf: '', files: { 'pools.json': '{"pools": ' }, names: ['pools.json', 'not valid JSON'] },
      { conf: 'policy_dir = "policy"\n', files: { 'policy/users.json': '{"users": {"alice": {"pools": "eng"}}}' }, names: ['policy/users.json', 'users.alice.pools'] },
      { conf: 'token_key = "00ff"\n', names: ['key "token_key" must be 32 bytes'] },
      { conf: `token_key_previous = ["${'ab'.repeat(32)}", "nope"]\n`, names: ['key "token_key_previous" item 2'] },
      { conf: 'trusted_proxies = ["10.0.0.0/8", "10.1.2.3/40"]\n', names: ['key "trusted_proxies" item 2', '"10.1.2.3/40" is not an IP address or CIDR block'] },
      { conf: 'metrics_allow = ["banana"]\n', names: ['key "metrics_allow" item 1'] },
      { conf: 'hostnames = ["director.example.com", "10.0.0.5", "not a name"]\n', names: ['key "hostnames" item 3', 'not a DNS name or an IPv4 address'] },
      { conf: '[otp]\nbackend = "privacyidea"\n[otp.privacyidea]\nurl = "ftp://pi.example.com"\n', names: ['otp.privacyidea.url'] },
      {
        conf: '[auth]\nbackends = ["ldap"]\n[auth.ldap]\nurl = "ldaps://127.0.0.1"\nuser_base = "dc=x"\nca_file = "missing-ca.pem"\n',
        names: ['key "auth.ldap.ca_file"', 'missing-ca.pem cannot be read'],
      },
      { conf: '[auth]\nbackends = ["ldap"]\n[auth.ldap]\nurl = "ldap://127.0.0.1"\nuser_base = "dc=x"\nuser_filter = "((("\n', names: ['auth.ldap.user_filter'] },
    ];
    for (const { conf, files = {}, names } of cases) {
      const dir = tempDir();
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      const file = join(dir, 'director.conf');
      writeFileSync(file, `data_dir = "data"\ndirector_port = 0\n${conf}`);
      const result = await run([bun, join(repoRoot, 'director/main.ts'), '--config', file], { allowFail: true });
      expect([conf, result.code]).toEqual([conf, 2]);
      // The message names the file at fault (the config or the policy file) and the key.
      const faulty = Object.keys(files).length ? join(dir, Object.keys(files)[0]!) : file;
      for (const text of [faulty, ...names]) expect([conf, result.stderr]).toEqual([conf, expect.stringContaining(text)]);
      // Nothing was written: no CA, no agents.db, not even the directory.
      expect([conf, existsSync(join(dir, 'data'))]).toEqual([conf, false]);
    }
  });

  test('rejects: a bad agent config leaves data_dir untouched (no key, no GUID)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-cert.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const cases: [string, string][] = [
      ['ca_file = "missing.pem"\n', `key "ca_file": ${join(dir, 'missing.pem')} cannot be read`],
      ['ca_file = "not-a-cert.pem"\n', `key "ca_file": ${join(dir, 'not-a-cert.pem')} holds no PEM certificate`],
      ['update_interval = "often"\n', 'key "update_interval"'],
      ['listen_port = 70000\n', 'key "listen_port"'],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, 'agent.conf');
      writeFileSync(file, `director_url = "${director.url}"\ndata_dir = "data"\n${text}`);
      const result = await run([bun, join(repoRoot, 'agent/main.ts'), '--config', file], { allowFail: true });
      expect([text, result.code]).toEqual([text, 2]);
      expect([text, result.stderr]).toEqual([text, expect.stringContaining(file)]);
      expect([text, result.stderr]).toEqual([text, expect.stringContaining(message)]);
      expect([text, existsSync(join(dir, 'data'))]).toEqual([text, false]);
    }
  });

  test('rejects: an agent whose data_dir cannot be written stops with a clear message', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-dir'), '');
    const file = join(dir, 'agent.conf');
    writeFileSync(file, `director_url = "${director.url}"\ndata_dir = "${join(dir, 'not-a-dir', 'data')}"\n`);
    const result = await run([bun, join(repoRoot, 'agent/main.ts'), '--config', file], { allowFail: true });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('data_dir');
    expect(result.stderr).toContain('cannot be created or written');
  });
});

describe('allow-lists', () => {
  test('rejects: a gateway or metrics scraper outside the configured CIDRs gets 403', async () => {
    const locked = await startDirector({ config: { gateway_allow: ['10.0.0.0/8'], metrics_allow: ['192.0.2.0/24'] } });
    const gw = await call(`${locked.url}/resolveSession?sessionId=s1&transport=HTTP`, { method: 'POST', ca: locked.caPem });
    expect([gw.status, gw.json.error.code]).toEqual([403, 'GATEWAY_NOT_ALLOWED']);
    const response = await call(`${locked.url}/metrics`, { ca: locked.caPem });
    expect([response.status, response.json.error.code]).toEqual([403, 'METRICS_NOT_ALLOWED']);
    await locked.stop();
  });
});

describe('director certificate', () => {
  test('ok: a replaced server certificate is served after SIGHUP, without restarting the listener', async () => {
    const dir = tempDir();
    const key = join(director.dataDir, 'dcvix-director.key');
    const ext = join(dir, 'ext.cnf');
    writeFileSync(ext, 'subjectAltName=DNS:dcvix-director,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n');
    await run(['openssl', 'req', '-new', '-key', key, '-subj', '/CN=dcvix-director', '-out', join(dir, 'd.csr')]);
    await run([
      'openssl',
      'x509',
      '-req',
      '-in',
      join(dir, 'd.csr'),
      '-CA',
      director.caFile,
      '-CAkey',
      join(director.dataDir, 'ca.key'),
      '-set_serial',
      '0x5eed',
      '-days',
      '30',
      '-extfile',
      ext,
      '-out',
      join(dir, 'd.crt'),
    ]);
    writeFileSync(join(director.dataDir, 'dcvix-director.crt'), readFileSync(join(dir, 'd.crt')));
    director.proc.proc.kill('SIGHUP');
    await director.proc.waitForMsg('server certificate reloaded', 5000);
    const served = await run(['sh', '-c', `openssl s_client -connect 127.0.0.1:${director.port} -CAfile ${director.caFile} </dev/null 2>/dev/null | openssl x509 -noout -serial`]);
    expect(served.stdout.trim()).toBe('serial=5EED');
    expect((await call(`${director.url}/v1/health`, { ca: director.caPem })).status).toBe(200);
  });
});

describe('agent failure modes', () => {
  test('ok: a pinned CA file registers with strict verification from the first connection', async () => {
    const agent = await startAgent(director.url, { config: { ca_file: director.caFile } });
    await agent.proc.waitForMsg('registration pending approval', 20_000);
    await agent.stop();
  });

  test("rejects: a pinned CA that is not the director's never falls back to TOFU", async () => {
    const { cert: otherCa } = await selfSignedCert(tempDir(), { cn: 'other CA' });
    const before = (await agentsIn('pending')).length;
    const agent = await startAgent(director.url, { config: { ca_file: otherCa } });
    const failed = await agent.proc.waitForMsg('registration failed; retrying', 20_000);
    expect(failed.error).toMatch(/certificate|verify|self.signed|issuer/i);
    expect((await agentsIn('pending')).length).toBe(before);
    await agent.stop();
  });

  test('ok: agent.crt lost while its certificate is valid -> re-issued at once for the same key, no approval; audited as agent.reissue', async () => {
    const agent = await startAgent(director.url, { config: { hostname: 'ws-crt-lost' } });
    const { guid } = await approveAgent(director, agent, { adminCookie: admin });
    const before = (await agentsIn('registered')).find((a) => a.guid === guid) as { certSerial: string } | undefined;
    await agent.stop();
    rmSync(join(agent.dataDir, 'agent.crt'));
    const again = await startAgent(director.url, { dir: agent.dir, config: { hostname: 'ws-crt-lost' } });
    await again.port();
    expect(again.proc.count('registration pending approval')).toBe(0);
    const after = (await agentsIn('registered')).find((a) => a.guid === guid) as { certSerial: string } | undefined;
    expect(after?.certSerial).toBeDefined();
    expect(after?.certSerial).not.toBe(before?.certSerial);
    const audit = (await call(`${director.url}/v1/admin/audit?type=agent.reissue`, { ca: director.caPem, cookie: admin })).json.events as { target: string }[];
    expect(audit.map((e) => e.target)).toContain(guid);
    await again.stop();
  });

  test('ok: agent.crt lost after its certificate expired -> same GUID is pending again, shown as returning; approved again, it gets a certificate for its key', async () => {
    const agent = await startAgent(director.url, { config: { hostname: 'ws-crt-expired' } });
    const { guid } = await approveAgent(director, agent, { adminCookie: admin });
    await agent.stop();
    rmSync(join(agent.dataDir, 'agent.crt'));
    expireCertificateRecord(director.dataDir, guid);
    const again = await startAgent(director.url, { dir: agent.dir, config: { hostname: 'ws-crt-expired' } });
    // It keeps asking (every register_interval) while it waits.
    await again.proc.waitForMsg('registration pending approval', 20_000);
    await again.proc.next('registration pending approval', 5000);
    expect(readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim()).toBe(guid);
    expect((await agentsIn('pending')).find((a) => a.guid === guid)).toMatchObject({ returning: true });
    const response = await call(`${director.url}/v1/admin/agents/${guid}/approve`, { method: 'POST', ca: director.caPem, cookie: admin });
    expect(response.json.agent).toMatchObject({ state: 'registered', returning: false });
    await again.port();
    expect((await agentsIn('registered')).map((a) => a.guid)).toContain(guid);
    await again.stop();
  });

  test('ok: a running agent whose GUID and key registered again elsewhere (pending again) notices the refusal, registers and is back after approval', async () => {
    const agent = await startAgent(director.url, { config: { hostname: 'ws-pending-again', update_interval: '300ms', idle_timeout: 0 } });
    const { guid, serverId } = await approveAgent(director, agent, { adminCookie: admin });
    const oldCert = readFileSync(join(agent.dataDir, 'agent.crt'), 'utf8');
    // Whoever holds a copy of agent.guid and agent.key registers with them once the director's record
    // of the certificate expired (a clock or a restored agents.db can make the running agent's
    // certificate outlive it): the agent is pending again.
    expireCertificateRecord(director.dataDir, guid);
    const copy = tempDir('dcvix-copy-');
    for (const file of ['agent.key', 'agent.guid']) copyFileSync(join(agent.dataDir, file), join(copy, file));
    const csr = Buffer.from((await registrationCsr(await ensureIdentity(copy))).der).toString('base64');
    const since = agent.proc.lines.length;
    const copied = await call(`${director.url}/v1/agent/register`, { method: 'POST', ca: director.caPem, json: { guid, hostname: 'ws-pending-again', csr } });
    expect([copied.status, copied.json.error.code]).toEqual([403, 'AGENT_PENDING']);

    // The still-valid certificate is refused; the agent does not just log it forever but registers again.
    expect((await agent.proc.waitForMsg('update failed', 10_000, since)).code).toBe('AGENT_NOT_REGISTERED');
    expect((await agent.proc.waitForMsg('registering again with the same GUID and key', 10_000, since)).why).toContain('AGENT_NOT_REGISTERED');
    await agent.proc.waitForMsg('registration pending approval', 10_000, since);
    expect((await agentsIn('pending')).find((a) => a.guid === guid)).toMatchObject({ returning: true });

    // Let the refusals build up the update back-off (9.6 s after the sixth), which a new certificate must cut short.
    await agent.proc.waitFor((l) => l.includes('"msg":"update failed"') && (JSON.parse(l).failures as number) >= 6, 20_000, 'six refused updates');
    const approvedAt = Date.now();
    // Approved in bulk, as an admin would after a batch of returning agents.
    const bulk = await call(`${director.url}/v1/admin/agents/bulk`, { method: 'POST', ca: director.caPem, cookie: admin, json: { action: 'approve', guids: [guid] } });
    expect(bulk.json).toEqual({ done: [guid], failed: [] });
    await agent.proc.waitForMsg('registered with the director', 10_000, since);
    expect(readFileSync(join(agent.dataDir, 'agent.crt'), 'utf8')).not.toBe(oldCert);
    // Updates flow again at once with the new certificate, not after the back-off the refusals built up.
    await eventually(
      async () => {
        const server = (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json.servers.find((x: { id: string }) => x.id === serverId);
        return server && Date.parse(server.lastSeen) > approvedAt + 500;
      },
      4000,
      'updates after the approval',
    );
    expect(agent.proc.count('re-registration failed')).toBe(0);
    await agent.stop();
  }, 60_000);

  test('ok: with reissue_to_known_key = true, agent.crt lost after its certificate expired -> a certificate at once, no approval', async () => {
    const lenient = await startDirector({ config: { reissue_to_known_key: true } });
    const agent = await startAgent(lenient.url);
    const { guid } = await approveAgent(lenient, agent);
    await agent.stop();
    rmSync(join(agent.dataDir, 'agent.crt'));
    expireCertificateRecord(lenient.dataDir, guid);
    const again = await startAgent(lenient.url, { dir: agent.dir });
    await again.port();
    expect(again.proc.count('registration pending approval')).toBe(0);
    await again.stop();
    await lenient.stop();
  });

  test('ok: an agent whose GUID got another key approved (a clone) registers again, waits as a key change, and is back once the admin approves its key', async () => {
    const config = { hostname: 'ws-key-change', update_interval: '300ms', idle_timeout: 0 };
    const agent = await startAgent(director.url, { config });
    let clone: AgentHandle | undefined;
    try {
      const { guid, serverId } = await approveAgent(director, agent, { adminCookie: admin });
      // A clone: the same agent.guid with a key of its own registers; its key is parked for the admin.
      const cloneDir = tempDir('dcvix-clone-');
      mkdirSync(join(cloneDir, 'data'), { recursive: true });
      copyFileSync(join(agent.dataDir, 'agent.guid'), join(cloneDir, 'data', 'agent.guid'));
      writeFileSync(join(cloneDir, 'data', 'agent.key'), await privateKeyToPem((await generateEd25519()).privateKey), { mode: 0o600 });
      clone = await startAgent(director.url, { dir: cloneDir, config });
      await clone.proc.waitForMsg('registration waiting for approval of a key change', 20_000);
      const keyChange = async () => ((await agentsIn('registered')).find((a) => a.guid === guid) as { keyChangePending?: boolean } | undefined)?.keyChangePending;
      expect(await keyChange()).toBe(true);
      const since = agent.proc.lines.length;
      expect((await call(`${director.url}/v1/admin/agents/${guid}/approve`, { method: 'POST', ca: director.caPem, cookie: admin })).status).toBe(200);
      await clone.proc.waitForMsg('registered with the director', 15_000);
      await clone.stop();

      // The original's certificate names the old key: refused, it registers again and its key waits in turn.
      expect((await agent.proc.waitForMsg('update failed', 10_000, since)).code).toBe('AGENT_KEY_MISMATCH');
      expect((await agent.proc.waitForMsg('registering again with the same GUID and key', 10_000, since)).why).toContain('AGENT_KEY_MISMATCH');
      await agent.proc.waitForMsg('registration waiting for approval of a key change', 10_000, since);
      expect(await keyChange()).toBe(true);
      const approvedAt = Date.now();
      expect((await call(`${director.url}/v1/admin/agents/${guid}/approve`, { method: 'POST', ca: director.caPem, cookie: admin })).status).toBe(200);
      await agent.proc.waitForMsg('registered with the director', 15_000, since);
      await eventually(
        async () => {
          const server = (await call(`${director.url}/v1/servers`, { ca: director.caPem, cookie: admin })).json.servers.find((x: { id: string }) => x.id === serverId);
          return server && Date.parse(server.lastSeen) > approvedAt;
        },
        5000,
        'updates with the re-approved key',
      );
      expect(await keyChange()).toBe(false);
      expect(agent.proc.count('re-registration failed')).toBe(0);
    } finally {
      await clone?.stop();
      await agent.stop();
    }
  }, 60_000);

  test('ok: agents.db lost -> the agent notices it is unknown and registers again with the same GUID', async () => {
    const port = await freePort();
    const dir = tempDir('dcvix-dblost-');
    const first = await startDirector({ dir, config: { director_port: port } });
    const agent = await startAgent(first.url, { config: { update_interval: '300ms' } });
    const { guid } = await approveAgent(first, agent);
    await first.stop();
    for (const file of ['agents.db', 'agents.db-wal', 'agents.db-shm']) rmSync(join(first.dataDir, file), { force: true });
    const second = await startDirector({ dir, config: { director_port: port } });
    const since = agent.proc.lines.length;
    await agent.proc.waitForMsg('registration pending approval', 20_000, since);
    const cookie = await login(second.url, second.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const pending = await call(`${second.url}/v1/admin/agents?state=pending`, { ca: second.caPem, cookie });
    expect(pending.json.agents.map((a: { guid: string }) => a.guid)).toEqual([guid]);
    await agent.stop();
    await second.stop();
  });

  test('ok: agent.key lost -> a new key and a new GUID register as a new agent', async () => {
    const agent = await startAgent(director.url);
    await agent.proc.waitForMsg('registration pending approval', 20_000);
    await agent.stop();
    const oldGuid = readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim();
    rmSync(join(agent.dataDir, 'agent.key'));
    const again = await startAgent(director.url, { dir: agent.dir });
    await again.proc.waitForMsg('registration pending approval', 20_000);
    const newGuid = readFileSync(join(agent.dataDir, 'agent.guid'), 'utf8').trim();
    expect(newGuid).not.toBe(oldGuid);
    expect((await agentsIn('pending')).map((a) => a.guid)).toEqual(expect.arrayContaining([oldGuid, newGuid]));
    await again.stop();
  });
});
