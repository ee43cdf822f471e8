import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { approveAgent, dcvArgvLog, dcvPermissionsLog, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * DCV permissions from the policy and session sharing, through real processes (director, agent, dcv
 * simulator): the permissions file a pool's profile gives a new session, exactly as dcv read it; an
 * owner sharing a session (dcv set-permissions with the profile plus the share lines), the invitee
 * seeing it and being let in by the DCV verifier only while the share stands; bad requests refused
 * with their codes and nothing sent; the audit both ways; and two directors on one PostgreSQL agreeing.
 */
const HEAD = '[groups]\n[aliases]\n[permissions]\n';
const RESTRICTED = ['%owner% allow builtin', '%owner% deny clipboard-copy file-download usb'];
const POLICY = {
  users: {
    admins: ['admin'],
    users: { alice: { servers: [], pools: ['locked', 'open'] }, bob: { servers: [], pools: ['open'] }, carol: { servers: [], pools: [] } },
    groups: {},
  },
  pools: {
    permissionProfiles: { restricted: RESTRICTED },
    pools: { locked: { servers: ['*'], permissions: 'restricted' }, open: { servers: ['*'] } },
  },
};

type Api = (path: string, init?: Parameters<typeof call>[1]) => ReturnType<typeof call>;
const apiOf =
  (director: DirectorHandle): Api =>
  (path, init = {}) =>
    call(`${director.url}${path}`, { ca: director.caPem, ...init });
/** The DCV verifier's answer (XML) for a token and session, as DCV server asks it. */
const verify = async (api: Api, sessionId: string, token: string) =>
  (await api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams({ sessionId, authenticationToken: token, clientAddress: '10.0.0.9' }) })).text;
/** A fresh connection token for `cookie`'s user, or the error code. */
const tokenFor = async (api: Api, cookie: string, sessionId: string) => {
  const answer = await api(`/v1/user/sessions/${sessionId}/connection`, { cookie });
  return answer.status === 200 ? (answer.json.authToken as string) : (answer.json.error.code as string);
};

describe('DCV permissions from the policy, and session sharing', () => {
  let director: DirectorHandle;
  let agent: AgentHandle;
  let api: Api;
  let admin: string;
  let alice: string;
  let bob: string;
  let locked: string;

  beforeAll(async () => {
    director = await startDirector({ policy: POLICY });
    agent = await startAgent(director.url, { config: { hostname: 'ws-share', update_interval: '500ms' } });
    ({ adminCookie: admin } = await approveAgent(director, agent));
    api = apiOf(director);
    alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    bob = await login(director.url, director.caPem, 'bob', TEST_USERS.bob!);
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await director?.stop();
    cleanupTempDirs();
  });

  test("ok: a session made through a pool with a profile gets the profile's file (dcv's argv and the file's exact text); the file is gone after", async () => {
    const created = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'locked', sessionType: 'virtual' } });
    expect(created.status).toBe(200);
    locked = created.json.session.id;
    const [use] = dcvPermissionsLog(agent);
    expect(use).toEqual({ command: 'create-session', session: locked, file: expect.stringMatching(/^\/.+\/session\.perm$/), text: `${HEAD}${RESTRICTED.join('\n')}\n` });
    expect(dcvArgvLog(agent).filter((argv) => argv[0] === 'create-session')).toEqual([['create-session', '--type', 'virtual', '--owner', 'alice', '--permissions-file', use!.file, locked]]);
    expect(existsSync(dirname(use!.file))).toBe(false);
    const audit = await eventually(
      async () => (await api(`/v1/admin/audit?type=session.create&actor=alice`, { cookie: admin })).json.events.find((event: { target: string }) => event.target === locked),
      5000,
      'the create audited',
    );
    expect(audit.detail).toBe('ws-share virtual for alice with permission profile restricted');
  });

  test('ok: a pool without a profile leaves DCV its default file (no --permissions-file)', async () => {
    const created = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'open', sessionType: 'virtual', new: true } });
    expect(created.status).toBe(200);
    expect(
      dcvArgvLog(agent)
        .filter((argv) => argv[0] === 'create-session')
        .at(-1),
    ).toEqual(['create-session', '--type', 'virtual', '--owner', 'alice', created.json.session.id]);
    expect(dcvPermissionsLog(agent)).toHaveLength(1);
  });

  test('ok: the owner shares with bob as viewer: set-permissions with the profile plus his line; bob sees it, gets a token, the verifier says yes for him', async () => {
    expect((await tokenFor(api, bob, locked)) as string).toBe('SESSION_NOT_FOUND');
    const shared = await api(`/v1/user/sessions/${locked}/shares`, { method: 'POST', cookie: alice, json: { user: 'bob', role: 'viewer' } });
    expect([shared.status, shared.json.share]).toEqual([200, { sessionId: locked, serverId: 'ws-share', user: 'bob', role: 'viewer', grantedAt: expect.any(String) }]);
    const use = dcvPermissionsLog(agent).at(-1)!;
    expect(use).toEqual({ command: 'set-permissions', session: locked, file: expect.stringMatching(/^\/.+\/session\.perm$/), text: `${HEAD}${RESTRICTED.join('\n')}\nbob allow display\n` });
    expect(dcvArgvLog(agent).at(-1)).toEqual(['set-permissions', '--session', locked, '--file', use.file]);
    expect(existsSync(dirname(use.file))).toBe(false);

    const bobsView = (await api('/v1/user/shares', { cookie: bob })).json;
    expect(bobsView.myShares).toEqual([]);
    expect(bobsView.sharedWithMe.map((entry: { session: { id: string }; role: string; owner: string }) => [entry.session.id, entry.role, entry.owner])).toEqual([[locked, 'viewer', 'alice']]);
    expect((await api('/v1/user/shares', { cookie: alice })).json.myShares.map((share: { user: string; role: string }) => [share.user, share.role])).toEqual([['bob', 'viewer']]);

    const token = await tokenFor(api, bob, locked);
    expect(await verify(api, locked, token)).toBe('<auth result="yes"><username>bob</username></auth>');
    const dcvFile = await api(`/v1/user/sessions/${locked}/connection.dcv`, { cookie: bob });
    expect(dcvFile.text).toContain('\nuser=bob\n');
    // bob may connect, not close it.
    expect((await api(`/v1/user/sessions/${locked}`, { method: 'DELETE', cookie: bob })).status).toBe(404);
  });

  test('ok: sharing again changes the role (collaborator: display, keyboard, mouse, pointer)', async () => {
    const again = await api(`/v1/user/sessions/${locked}/shares`, { method: 'POST', cookie: alice, json: { user: 'bob', role: 'collaborator' } });
    expect([again.status, again.json.share.role]).toEqual([200, 'collaborator']);
    expect(dcvPermissionsLog(agent).at(-1)!.text).toBe(`${HEAD}${RESTRICTED.join('\n')}\nbob allow display keyboard mouse pointer\n`);
  });

  test('rejects: unsafe names, unknown roles, users the policy keeps off the server, the owner, shares of others; nothing reaches dcv', async () => {
    const before = dcvArgvLog(agent).length;
    const share = (cookie: string, json: unknown) => api(`/v1/user/sessions/${locked}/shares`, { method: 'POST', cookie, json });
    const cases: [string, unknown, number, string][] = [
      [alice, { user: 'bob smith', role: 'viewer' }, 400, 'INVALID_SHARE_USER'],
      [alice, { user: 'group:admins', role: 'viewer' }, 400, 'INVALID_SHARE_USER'],
      [alice, { user: '%any%', role: 'viewer' }, 400, 'INVALID_SHARE_USER'],
      [alice, { user: 'bob\nmallory allow builtin', role: 'viewer' }, 400, 'INVALID_SHARE_USER'],
      [alice, { user: 'alice', role: 'viewer' }, 400, 'INVALID_SHARE_USER'],
      [alice, { user: 'bob', role: 'owner' }, 400, 'INVALID_ROLE'],
      [alice, { user: 'carol', role: 'viewer' }, 403, 'NOT_PERMITTED'],
      [bob, { user: 'carol', role: 'viewer' }, 404, 'SESSION_NOT_FOUND'],
    ];
    for (const [cookie, body, status, code] of cases) {
      const answer = await share(cookie, body);
      expect({ body, status: answer.status, code: answer.json.error.code }).toEqual({ body, status, code });
    }
    expect((await api(`/v1/user/sessions/${locked}/shares/carol`, { method: 'DELETE', cookie: alice })).json.error.code).toBe('SHARE_NOT_FOUND');
    expect((await api(`/v1/user/sessions/${locked}/shares/bob`, { method: 'DELETE', cookie: bob })).json.error.code).toBe('SESSION_NOT_FOUND');
    expect(dcvArgvLog(agent).length).toBe(before);
  });

  test('ok: taking the share back: set-permissions without his line; his new token is refused by the verifier; audited both ways', async () => {
    const unused = await tokenFor(api, bob, locked);
    const taken = await api(`/v1/user/sessions/${locked}/shares/bob`, { method: 'DELETE', cookie: alice });
    expect([taken.status, taken.json]).toEqual([200, { ok: true, applied: true }]);
    expect(dcvPermissionsLog(agent).at(-1)!.text).toBe(`${HEAD}${RESTRICTED.join('\n')}\n`);
    expect(await verify(api, locked, unused)).toStartWith('<auth result="no"');
    expect(await tokenFor(api, bob, locked)).toBe('SESSION_NOT_FOUND');
    expect((await api('/v1/user/shares', { cookie: bob })).json.sharedWithMe).toEqual([]);
    const events = await eventually(
      async () => {
        const found = (await api('/v1/admin/audit?actor=alice&limit=100', { cookie: admin })).json.events.filter((event: { type: string }) => event.type.startsWith('session.'));
        return found.some((event: { type: string }) => event.type === 'session.unshare') && found;
      },
      5000,
      'the shares audited',
    );
    expect(
      events
        .filter((event: { type: string }) => event.type !== 'session.create')
        .map((event: { type: string; target: string; outcome: string; detail: string }) => [event.type, event.target, event.outcome, event.detail])
        .reverse(),
    ).toEqual([
      ['session.share', locked, 'success', 'bob as viewer on ws-share'],
      ['session.share', locked, 'success', 'bob as collaborator on ws-share'],
      ['session.unshare', locked, 'success', 'bob on ws-share'],
    ]);
  });

  test('rejects: a profile with an unknown feature stops start-up, naming the file and the key', async () => {
    const broken = { ...POLICY, pools: { ...POLICY.pools, permissionProfiles: { restricted: ['%owner% allow builtin', '%owner% deny clipbord-copy'] } } };
    const outcome = await startDirector({ policy: broken }).catch((err: Error) => err);
    if (!(outcome instanceof Error)) await outcome.stop();
    expect((outcome as Error).message).toContain('pools.json: permissionProfiles.restricted[1]: "%owner% deny clipbord-copy": unknown feature "clipbord-copy"');
  });
});

describeWith(['postgresql'], 'session shares across two directors on one PostgreSQL', () => {
  let pg: Postgres;
  let directorA: DirectorHandle;
  let directorB: DirectorHandle;
  let agent: AgentHandle;

  beforeAll(async () => {
    pg = await startPostgres();
    const config = { store_url: pg.urlWithoutPassword, token_key: '3c'.repeat(32) };
    const env = { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '4d'.repeat(32) };
    directorA = await startDirector({ config, env, policy: POLICY });
    directorB = await startDirector({ config, env, policy: POLICY });
    agent = await startAgent(directorA.url, { config: { hostname: 'ws-ha-share', update_interval: '500ms' } });
    await approveAgent(directorA, agent);
  }, 90_000);
  afterAll(async () => {
    await agent?.stop();
    await directorA?.stop();
    await directorB?.stop();
    await pg?.stop();
    cleanupTempDirs();
  });

  test('ok: a share made through A lets bob in through B; taken back through B, A refuses him at once', async () => {
    const [apiA, apiB] = [apiOf(directorA), apiOf(directorB)];
    const aliceA = await login(directorA.url, directorA.caPem, 'alice', TEST_USERS.alice!);
    const aliceB = await login(directorB.url, directorB.caPem, 'alice', TEST_USERS.alice!);
    const bobB = await login(directorB.url, directorB.caPem, 'bob', TEST_USERS.bob!);
    const bobA = await login(directorA.url, directorA.caPem, 'bob', TEST_USERS.bob!);
    const created = await apiA('/v1/user/sessions', { method: 'POST', cookie: aliceA, json: { poolId: 'open', sessionType: 'virtual' } });
    const id = created.json.session.id as string;
    expect((await apiA(`/v1/user/sessions/${id}/shares`, { method: 'POST', cookie: aliceA, json: { user: 'bob', role: 'viewer' } })).status).toBe(200);
    // No profile on this pool: the file is the built-in full profile plus bob's line.
    expect(dcvPermissionsLog(agent).at(-1)!.text).toBe(`${HEAD}%owner% allow builtin\nbob allow display\n`);
    const throughB = await eventually(
      async () => {
        const token = await tokenFor(apiB, bobB, id);
        return token !== 'SESSION_NOT_FOUND' && token;
      },
      10_000,
      'B lets bob open the shared session',
    );
    expect(await verify(apiB, id, throughB)).toBe('<auth result="yes"><username>bob</username></auth>');
    const throughA = await tokenFor(apiA, bobA, id);
    expect((await apiB(`/v1/user/sessions/${id}/shares/bob`, { method: 'DELETE', cookie: aliceB })).json).toEqual({ ok: true, applied: true });
    expect(await verify(apiA, id, throughA)).toStartWith('<auth result="no"');
    expect(await tokenFor(apiA, bobA, id)).toBe('SESSION_NOT_FOUND');
  });
});
