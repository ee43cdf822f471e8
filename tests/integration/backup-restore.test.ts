import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'otplib';
import { approveAgent, command, startAgent, startDirector, TEST_USERS, toml, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { run } from '../helpers/run.ts';
import { call, eventually } from '../helpers/https.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * The backup drill with real processes: an agent enrolled, users logged in with TOTP, a session
 * created; `dcvix-director backup` while the director runs; the data dir wiped; refused restores (wrong
 * passphrase, truncated, altered: nothing written); `restore`; the director started again on the
 * restored data dir. The agent goes on without re-approval, tokens issued before stay valid, the audit
 * trail (and its hash chain) and the TOTP secrets are intact.
 */
const CONFIG = { token_key: 'ab'.repeat(32), otp: { backend: 'totp', totp: { window: 2 } }, session_stale_after: '10m' };
let director: DirectorHandle;
let agent: AgentHandle;
let work: string;
let passphraseFile: string;
let backupFile: string;
const secrets: Record<string, string> = {};
const cookies: Record<string, string> = {};
let sessionId: string;
let guid: string;
let serverId: string;

const codeAt = (secret: string, steps: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * steps });
const cookieOf = (response: { headers: Headers }, name: string) =>
  response.headers
    .getSetCookie()
    .find((cookie) => cookie.startsWith(`${name}=`))
    ?.split(';')[0];
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });

/** Enrols `user` for TOTP (the first login asks for it) and logs in with a code; keeps the secret and the cookie. */
async function enrolAndLogin(user: string, role: 'user' | 'admin') {
  const path = role === 'admin' ? '/v1/admin/login' : '/v1/user/login';
  const first = await api(path, { method: 'POST', json: { userID: user, password: TEST_USERS[user] } });
  expect(first.json.error).toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', enrolmentRequired: true });
  const enrol = cookieOf(first, 'dcvix_enrol')!;
  secrets[user] = (await api('/v1/user/totp/enrol', { method: 'POST', cookie: enrol })).json.secret;
  expect((await api('/v1/user/totp/confirm', { method: 'POST', cookie: enrol, json: { code: await codeAt(secrets[user]!, 0) } })).status).toBe(200);
  const done = await api(path, { method: 'POST', json: { userID: user, password: TEST_USERS[user], otp: await codeAt(secrets[user]!, 1) } });
  expect(done.status).toBe(200);
  cookies[user] = done.headers.getSetCookie()[0]!.split(';')[0]!;
}

const restore = (...args: string[]) => director.command('restore', ...args, '--passphrase-file', passphraseFile);

beforeAll(async () => {
  work = tempDir('dcvix-backup-drill-');
  passphraseFile = join(work, 'passphrase');
  writeFileSync(passphraseFile, 'a long backup passphrase\n', { mode: 0o600 });
  backupFile = join(work, 'director.backup');
  director = await startDirector({ config: CONFIG, users: {} });
  agent = await startAgent(director.url, { config: { hostname: 'ws-drill' } });
  await enrolAndLogin('admin', 'admin');
  ({ guid, serverId } = await approveAgent(director, agent, { adminCookie: cookies.admin! }));
  await enrolAndLogin('alice', 'user');
  const created = await api('/v1/user/sessions', { method: 'POST', cookie: cookies.alice!, json: { poolId: 'workstations', sessionType: 'virtual' } });
  expect(created.status).toBe(200);
  sessionId = created.json.session.id;
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

describe('backup and restore drill', () => {
  let auditBefore: { id: number; type: string; eventId?: string }[];

  test('ok: a backup is written while the director runs; no secret shows in it', async () => {
    auditBefore = (await api('/v1/admin/audit?limit=1000', { cookie: cookies.admin! })).json.events;
    const made = await director.command('backup', '--out', backupFile, '--passphrase-file', passphraseFile);
    expect([made.code, made.stdout]).toEqual([0, expect.stringMatching(/backup written to .*director\.backup: \d+ files, \d+ bytes; the embedded store \(schema version \d+\)/)]);
    const bytes = readFileSync(backupFile);
    for (const secret of ['PRIVATE KEY', 'ab'.repeat(32), secrets.alice!]) expect(bytes.includes(secret)).toBe(false);
    const again = await director.command('backup', '--out', backupFile, '--passphrase-file', passphraseFile);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('already exists')]);
  });

  test('rejects: restore onto a data dir that is not empty', async () => {
    const refused = await restore('--in', backupFile);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('is not empty: restore writes only into an empty data dir')]);
  });

  test('rejects: with the data dir wiped, a wrong passphrase, a truncated file and an altered one are refused; nothing is written', async () => {
    await director.stop();
    rmSync(director.dataDir, { recursive: true, force: true });
    const wrong = join(work, 'wrong');
    writeFileSync(wrong, 'not the passphrase at all');
    const bytes = readFileSync(backupFile);
    writeFileSync(join(work, 'truncated.backup'), bytes.subarray(0, bytes.length - 1000));
    const altered = Buffer.from(bytes);
    altered[altered.length - 2000]! ^= 0x40;
    writeFileSync(join(work, 'altered.backup'), altered);
    const cases = [
      [await director.command('restore', '--in', backupFile, '--passphrase-file', wrong), 'wrong passphrase for this backup file; nothing was written'],
      [await restore('--in', join(work, 'truncated.backup')), 'truncated, damaged or altered'],
      [await restore('--in', join(work, 'altered.backup')), 'truncated, damaged or altered'],
      [await director.command('restore', '--in', backupFile), 'give the passphrase in a file (--passphrase-file FILE) or in the environment variable DCVIX_BACKUP_PASSPHRASE'],
    ] as const;
    for (const [result, message] of cases) expect([result.code > 0, result.stderr]).toEqual([true, expect.stringContaining(message)]);
    expect(existsSync(director.dataDir)).toBe(false);
  });

  test('ok: restored, the director starts again; the agent goes on without re-approval', async () => {
    const mark = agent.proc.lines.length;
    const restored = await restore('--in', backupFile);
    expect([restored.code, restored.stdout]).toEqual([0, expect.stringContaining(`into ${director.dataDir}`)]);
    expect(restored.stdout).toContain('config files left in the backup (give --etc-out DIR to write them): dcvix-director.conf, users.json, pools.json');
    const restartedAt = Date.now();
    director = await startDirector({ dir: director.dir, config: { ...CONFIG, director_port: director.port }, users: {} });
    const server = await eventually(
      async () => {
        const servers = (await api('/v1/servers', { cookie: cookies.admin! })).json?.servers as { id: string; guid: string; online: boolean; lastSeen: string }[] | undefined;
        const found = servers?.find((entry) => entry.id === serverId);
        return found?.online && Date.parse(found.lastSeen) > restartedAt && found;
      },
      20_000,
      'agent updates after the restore',
    );
    expect(server.guid).toBe(guid);
    expect((await api('/v1/admin/agents?state=pending', { cookie: cookies.admin! })).json.agents).toEqual([]);
    expect(agent.proc.lines.slice(mark).filter((line) => line.includes('registration pending approval') || line.includes('enrol'))).toEqual([]);
  });

  test("ok: tokens issued before the backup are still valid; alice's session is there; her TOTP secret still logs her in", async () => {
    const servers = await api('/v1/user/servers', { cookie: cookies.alice! });
    expect(servers.status).toBe(200);
    expect(servers.text).toContain(sessionId);
    const noCode = await api('/v1/user/login', { method: 'POST', json: { userID: 'alice', password: TEST_USERS.alice } });
    expect(noCode.json.error).toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', expected: ['otp'] });
    expect(noCode.json.error.enrolmentRequired).toBeUndefined();
    const again = await api('/v1/user/login', { method: 'POST', json: { userID: 'alice', password: TEST_USERS.alice, otp: await codeAt(secrets.alice!, 2) } });
    expect(again.status).toBe(200);
  });

  test('ok: the audit trail from before is intact and its hash chain goes on', async () => {
    const after = (await api('/v1/admin/audit?limit=1000', { cookie: cookies.admin! })).json.events as { id: number; type: string }[];
    const kept = new Map(after.map((event) => [event.id, event]));
    for (const event of auditBefore) expect(kept.get(event.id)).toEqual(event);
    expect(after.length).toBeGreaterThan(auditBefore.length);
    const verified = await director.command('audit', 'verify');
    expect([verified.code, verified.stdout]).toEqual([0, expect.stringContaining('audit chains intact')]);
    expect(verified.stdout).toMatch(/^chain \S+: \d+ events/m);
    expect(verified.stdout.match(/^chain /gm)).toHaveLength(1);
  });

  test('ok: --etc-out writes the config, policy files and nothing else into a new folder; restore never overwrites them', async () => {
    const other = tempDir('dcvix-restore-elsewhere-');
    const otherConfig = join(other, 'dcvix-director.conf');
    writeFileSync(otherConfig, toml({ data_dir: join(other, 'data') }));
    const argv = [...command('director'), 'restore', '--in', backupFile, '--etc-out', join(other, 'etc'), '--passphrase-file', passphraseFile, '--config', otherConfig];
    const restored = await run(argv, { allowFail: true });
    expect([restored.code, restored.stdout]).toEqual([0, expect.stringContaining('config files written:')]);
    expect(readdirSync(join(other, 'etc')).sort()).toEqual(['dcvix-director.conf', 'pools.json', 'users.json']);
    // The config as it was at the backup (the director was restarted since with its port fixed): the token key is in it.
    expect(readFileSync(join(other, 'etc', 'dcvix-director.conf'), 'utf8')).toContain(`token_key = "${'ab'.repeat(32)}"`);
    rmSync(join(other, 'data'), { recursive: true });
    const again = await run(argv, { allowFail: true });
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('already exist: restore does not overwrite config files; nothing was written')]);
    expect(existsSync(join(other, 'data'))).toBe(false);
  });
});
