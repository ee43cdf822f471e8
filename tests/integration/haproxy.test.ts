/**
 * Two directors on one PostgreSQL behind the shipped HAProxy config (TCP mode, TLS health checks,
 * PROXY protocol v2): real processes on loopback. Clients connect from 127.0.0.3/127.0.0.4 so the
 * directors must learn the address from the PROXY header (HAProxy itself connects from 127.0.0.1).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { checkHaproxyConfig, curlFrom, startHaproxy, type Haproxy } from '../helpers/haproxy.ts';
import { eventually } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

let pg: Postgres;
let directorA: DirectorHandle;
let directorB: DirectorHandle;
let lb: Haproxy;
let caFile: string;

/** A request through HAProxy from a chosen client address. */
const curl = (from: string, path: string, opts: { json?: unknown; cookie?: string } = {}) => curlFrom(from, `https://localhost:${lb.port}${path}`, { ...opts, caFile });

describeWith(['haproxy', 'postgresql'], 'HAProxy in front of two directors', () => {
  beforeAll(async () => {
    pg = await startPostgres();
    const config = { store_url: pg.urlWithoutPassword, token_key: 'cd'.repeat(32), trusted_proxies: ['127.0.0.1/32'], gateway_allow: ['127.0.0.3/32'] };
    [directorA, directorB] = (await Promise.all([0, 1].map(() => startDirector({ config, env: { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '5e'.repeat(32) } })))) as [
      DirectorHandle,
      DirectorHandle,
    ];
    // The directors share one CA through the store: HAProxy's checks and curl trust just that.
    caFile = join(tempDir('dcvix-lb-'), 'ca.pem');
    writeFileSync(caFile, directorA.caPem);
    lb = await startHaproxy({ directorPorts: [directorA.port, directorB.port], caFile });
  });
  afterAll(async () => {
    await lb?.stop();
    await Promise.all([directorA?.stop(), directorB?.stop()]);
    await pg?.stop();
    cleanupTempDirs();
  });

  test('ok: the shipped haproxy.cfg passes haproxy -c', async () => {
    const result = await checkHaproxyConfig({ DCVIX_CA_FILE: caFile });
    expect([result.code, result.output]).toEqual([0, expect.stringContaining('Configuration file is valid')]);
  });

  test('ok: TLS health checks with PROXY LOCAL mark both directors UP, and no director logs a refusal', async () => {
    await lb.waitForStatus('director-a', 'UP');
    await lb.waitForStatus('director-b', 'UP');
    for (const director of [directorA, directorB]) expect(director.proc.count('connection refused')).toBe(0);
  });

  test('ok: audit and the gateway allow-list see the real client address from the PROXY header', async () => {
    const user = await curl('127.0.0.3', '/v1/user/login', { json: { userID: 'alice', password: TEST_USERS.alice } });
    expect(user.status).toBe(200);
    const admin = await curl('127.0.0.4', '/v1/admin/login', { json: { userID: 'admin', password: TEST_USERS.admin } });
    expect(admin.status).toBe(200);
    const events = await eventually(
      async () => {
        const response = await curl('127.0.0.4', '/v1/admin/audit?type=login', { cookie: admin.cookie });
        const list = response.json.events as { actor: string; clientAddress: string }[];
        return list.length >= 2 && list;
      },
      5000,
      'both logins audited',
    );
    expect(events.map((e) => [e.actor, e.clientAddress]).sort()).toEqual([
      ['admin', '127.0.0.4'],
      ['alice', '127.0.0.3'],
    ]);
    // gateway_allow lists only 127.0.0.3: its call gets past the allow-list (to "unknown session"), 127.0.0.4's does not.
    const allowed = await curl('127.0.0.3', '/resolveSession?sessionId=no-such-session', { json: {} });
    const refused = await curl('127.0.0.4', '/resolveSession?sessionId=no-such-session', { json: {} });
    expect([allowed.status, allowed.json.error.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect([refused.status, refused.json.error.code]).toEqual([403, 'GATEWAY_NOT_ALLOWED']);
  });

  test('ok: kill -9 of one director: requests keep succeeding through HAProxy with the same cookie', async () => {
    const login = await curl('127.0.0.3', '/v1/user/login', { json: { userID: 'bob', password: TEST_USERS.bob } });
    expect(login.status).toBe(200);
    directorA.proc.proc.kill('SIGKILL');
    await directorA.proc.exited;
    const statuses: number[] = [];
    for (let request = 0; request < 10; request++) statuses.push((await curl('127.0.0.3', '/v1/user/servers', { cookie: login.cookie })).status);
    expect(statuses).toEqual(Array(10).fill(200));
    await lb.waitForStatus('director-a', 'DOWN');
  });
});
