import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { approveAgent, dcvArgvLog, dcvSim, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { accessToken, sessionManagerClient, yamlChecker } from '../helpers/session-manager.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * dcvix as a DCV Session Manager broker, through real processes (director, agent, dcv simulator) and the
 * client generated from Session Manager's OpenAPI document: an API client's token, a session placed in a
 * pool and followed to READY, its connection token accepted by the DCV verifier, its permissions set as
 * shares, its screenshot, a closed server refusing the next create, and the sessions deleted. Every
 * answer is checked against the YAML's schemas (errors included). Then what must be refused: scopes, a
 * user's login on these routes, an access token on the user's, wrong secrets, disabled and rotated clients.
 */
const INIT = '/opt/dcv/init-eng.sh';
const POLICY = {
  users: { admins: ['admin'], users: { alice: { servers: [], pools: ['eng'] }, bob: { servers: [], pools: ['eng'] }, carol: { servers: [], pools: [] } }, groups: {} },
  pools: { pools: { eng: { servers: ['*'], session_manager: { init_files: [INIT] } } } },
};
const b64 = (text: string) => Buffer.from(text).toString('base64');

let director: DirectorHandle;
let agent: AgentHandle;
let admin: string;
let serverId: string;
const check = yamlChecker();
const problems: string[] = [];
/** Checks an answer against the YAML and hands it back. */
const held = <Answer extends { response: Response; data?: unknown; error?: unknown }>(operation: string, answer: Answer): Answer => {
  problems.push(...check(operation, answer.response.status, answer.data ?? answer.error));
  return answer;
};
/** Registers an API client through the admin route; its id and the secret shown once. */
const register = async (name: string, scopes: string[], limits: { pools?: string[]; users?: string[]; owners?: string[] } = {}) => {
  const created = await call(`${director.url}/v1/admin/api-clients`, { method: 'POST', ca: director.caPem, cookie: admin, json: { name, scopes, ...limits } });
  expect(created.status).toBe(200);
  return { id: created.json.clientId as string, secret: created.json.clientSecret as string };
};
const tokenOf = async (client: { id: string; secret: string }) => (await accessToken(director, client.id, client.secret)).json.access_token as string;
const verifier = async (sessionId: string, token: string) =>
  (await call(`${director.url}/v1/user/authtokenverify`, { method: 'POST', ca: director.caPem, body: new URLSearchParams({ sessionId, authenticationToken: token }) })).text;

beforeAll(async () => {
  director = await startDirector({ policy: POLICY });
  agent = await startAgent(director.url, { config: { hostname: 'ws-sm', update_interval: '500ms' } });
  ({ adminCookie: admin, serverId } = await approveAgent(director, agent));
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await director?.stop();
  cleanupTempDirs();
});

describe('the Session Manager API', () => {
  test('ok: token -> createSessions in a pool -> READY -> connection data the verifier accepts -> permissions -> screenshot -> closeServers blocks a create -> deleteSessions', async () => {
    const portal = await register('portal', ['sessions:read', 'sessions:write', 'servers:read', 'servers:write', 'screenshots:read'], { pools: ['eng'] });
    const issued = await accessToken(director, portal.id, portal.secret);
    expect([issued.status, issued.json.token_type, issued.json.expires_in, issued.headers.get('cache-control')]).toEqual([200, 'Bearer', 3600, 'no-store']);
    // The form body's grant_type does as well as the query string's.
    const basic = `Basic ${b64(`${portal.id}:${portal.secret}`)}`;
    const viaForm = await call(`${director.url}/oauth2/token`, {
      method: 'POST',
      ca: director.caPem,
      headers: { authorization: basic },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(viaForm.status).toBe(200);
    const sm = sessionManagerClient(director, issued.json.access_token);

    const servers = held('POST /describeServers', await sm.POST('/describeServers', { body: {} }));
    expect(servers.data?.Servers?.map((server) => [server.Id, server.Availability])).toEqual([[serverId, 'AVAILABLE']]);

    const created = held(
      'POST /createSessions',
      await sm.POST('/createSessions', {
        body: [
          { Owner: 'alice', Type: 'Virtual', Name: 'Design review', InitFile: INIT, MaxConcurrentClients: 2, DcvGlEnabled: true },
          { Owner: 'bob', Type: 'Virtual' },
          { Owner: 'alice', InitFile: '/etc/evil.sh' },
          { Owner: 'alice', AutorunFile: 'run.sh', AutorunFileArguments: ['-x'] },
          { Owner: 'carol' },
        ],
      }),
    );
    // Answered at once, CREATING: placement runs after the answer.
    expect(created.data?.SuccessfulList?.map((session) => [session.Owner, session.Type, session.Name, session.State])).toEqual([
      ['alice', 'Virtual', 'Design review', 'CREATING'],
      ['bob', 'Virtual', undefined, 'CREATING'],
    ]);
    expect(created.data?.UnsuccessfulList?.map((item) => item.FailureReason)).toEqual([
      `InitFile /etc/evil.sh is not allowed in pool eng (its session_manager.init_files)`,
      'AutorunFile is not supported: dcv create-session has no option that runs a file inside the session (use an InitFile the pool allows)',
      'NOT_PERMITTED: the policy lets carol use no pool this API client may place in',
    ]);
    const aliceId = created.data!.SuccessfulList![0]!.Id!;
    const bobId = created.data!.SuccessfulList![1]!.Id!;
    const readyBoth = async () => {
      const described = held('POST /describeSessions', await sm.POST('/describeSessions', { body: { SessionIds: [aliceId, bobId] } }));
      const states = described.data?.Sessions?.map((session) => session.State);
      return states?.length === 2 && states.every((state) => state === 'READY') ? described.data!.Sessions! : undefined;
    };
    const ready = await eventually(readyBoth, 10_000, 'sessions READY');
    expect(ready.map((session) => [session.Id, session.Name, session.Server?.Id])).toContainEqual([aliceId, 'Design review', serverId]);
    const createArgv = dcvArgvLog(agent).find((argv) => argv.includes('create-session') && argv.includes(aliceId))!;
    expect(createArgv).toEqual([
      ...['create-session', '--type', 'virtual', '--owner', 'alice', '--name', 'Design review'],
      ...['--init', INIT, '--gl', 'on', '--max-concurrent-clients', '2', aliceId],
    ]);
    // DCV lists the session under the name it was given.
    const listed = JSON.parse((await dcvSim(agent, 'list-sessions', '--json')).stdout) as { id: string; name: string }[];
    expect(listed.find((session) => session.id === aliceId)?.name).toBe('Design review');
    const firstPage = held('POST /describeSessions', await sm.POST('/describeSessions', { body: { MaxResults: 1 } }));
    const secondPage = held('POST /describeSessions', await sm.POST('/describeSessions', { body: { MaxResults: 1, NextToken: firstPage.data!.NextToken! } }));
    expect([...firstPage.data!.Sessions!, ...secondPage.data!.Sessions!].map((session) => session.Id).sort()).toEqual([aliceId, bobId].sort());
    expect(secondPage.data?.NextToken).toBeUndefined();
    const bobs = held('POST /describeSessions', await sm.POST('/describeSessions', { body: { Filters: [{ Key: 'owner', Value: 'bob' }] } }));
    expect(bobs.data?.Sessions?.map((session) => session.Id)).toEqual([bobId]);

    const connection = held('GET /sessionConnectionData/{sessionId}/{user}', await sm.GET('/sessionConnectionData/{sessionId}/{user}', { params: { path: { sessionId: aliceId, user: 'alice' } } }));
    expect(await verifier(aliceId, connection.data!.ConnectionToken!)).toBe('<auth result="yes"><username>alice</username></auth>');
    // Bob may not open Alice's session until it is shared with him.
    const notYet = held('GET /sessionConnectionData/{sessionId}/{user}', await sm.GET('/sessionConnectionData/{sessionId}/{user}', { params: { path: { sessionId: aliceId, user: 'bob' } } }));
    expect(notYet.response.status).toBe(400);

    const permissions = held(
      'PUT /sessionPermissions',
      await sm.PUT('/sessionPermissions', {
        body: [
          { SessionId: aliceId, Owner: 'alice', PermissionsFile: b64('[permissions]\n%owner% allow builtin\nbob allow display\n') },
          { SessionId: aliceId, Owner: 'alice', PermissionsFile: b64('[permissions]\nbob allow display file-download\n') },
          { SessionId: bobId, Owner: 'alice', PermissionsFile: b64('[permissions]\n') },
        ],
      }),
    );
    expect(permissions.data?.SuccessfulList).toEqual([{ SessionId: aliceId }]);
    const [beyond, notHers] = permissions.data!.UnsuccessfulList!.map((item) => item.FailureReason!);
    expect(beyond).toStartWith('PermissionsFile: "bob allow display file-download" is beyond what dcvix grants');
    expect(notHers).toBe(`SESSION_NOT_FOUND: no session ${bobId} owned by alice`);
    const forBob = held('GET /sessionConnectionData/{sessionId}/{user}', await sm.GET('/sessionConnectionData/{sessionId}/{user}', { params: { path: { sessionId: aliceId, user: 'bob' } } }));
    expect(await verifier(aliceId, forBob.data!.ConnectionToken!)).toBe('<auth result="yes"><username>bob</username></auth>');

    const shots = held('POST /getSessionScreenshots', await sm.POST('/getSessionScreenshots', { body: [{ SessionId: aliceId, MaxWidth: 320, MaxHeight: 200 }, { SessionId: 'no-such' }] }));
    const image = shots.data!.SuccessfulList![0]!.SessionScreenshot!.Images![0]!;
    expect([image.Format, Buffer.from(image.Data!, 'base64').subarray(1, 4).toString()]).toEqual(['png', 'PNG']);
    expect(shots.data?.UnsuccessfulList?.[0]?.FailureReason).toBe('SESSION_NOT_FOUND: no such session');

    const refused = held('POST /closeServers', await sm.POST('/closeServers', { body: [{ ServerId: serverId }] }));
    expect(refused.data?.UnsuccessfulList?.map((item) => item.FailureCode)).toEqual(['SERVER_HAS_SESSIONS']);
    const closed = held('POST /closeServers', await sm.POST('/closeServers', { body: [{ ServerId: serverId, Force: true }] }));
    expect(closed.data?.SuccessfulList).toEqual([{ ServerId: serverId }]);
    // Nothing to place on: answered CREATING like any accepted item, then DELETED with the reason.
    const blocked = held('POST /createSessions', await sm.POST('/createSessions', { body: [{ Owner: 'alice' }] }));
    const blockedId = blocked.data!.SuccessfulList![0]!.Id!;
    const failed = await eventually(
      async () => {
        const found = held('POST /describeSessions', await sm.POST('/describeSessions', { body: { SessionIds: [blockedId] } })).data?.Sessions?.[0];
        return found?.State === 'DELETED' ? found : undefined;
      },
      10_000,
      'failed create described',
    );
    expect(failed.StateReason).toStartWith('NO_SERVER_AVAILABLE: every online server of pool eng is in maintenance');
    const described = held('POST /describeServers', await sm.POST('/describeServers', { body: { ServerIds: [serverId] } }));
    expect(described.data?.Servers?.[0]?.UnavailabilityReason).toBe('SERVER_CLOSED');
    expect(held('POST /openServers', await sm.POST('/openServers', { body: [{ ServerId: serverId }, { ServerId: 'ws-nowhere' }] })).data?.UnsuccessfulList?.[0]?.FailureCode).toBe('SERVER_NOT_FOUND');

    const deleted = held(
      'POST /deleteSessions',
      await sm.POST('/deleteSessions', {
        body: [
          { SessionId: aliceId, Owner: 'alice' },
          { SessionId: bobId, Owner: 'bob', Force: true },
        ],
      }),
    );
    expect(deleted.data?.SuccessfulList?.map((item) => item.State)).toEqual(['DELETED', 'DELETED']);
    // Deleted and failed sessions stay described, DELETED, for a while.
    const after = held('POST /describeSessions', await sm.POST('/describeSessions', {})).data?.Sessions;
    expect(after?.map((session) => [session.Id, session.State]).sort()).toEqual([aliceId, bobId, blockedId].sort().map((id) => [id, 'DELETED']));

    const audit = await call(`${director.url}/v1/admin/audit?actor=api-client:portal&limit=200`, { ca: director.caPem, cookie: admin });
    const types = new Set((audit.json.events as { type: string; actor: string }[]).map((event) => event.type));
    for (const type of ['api-client.token', 'session-manager.createSessions', 'session.create', 'session.close', 'server.drain', 'server.open', 'connection.token', 'session.screenshot'])
      expect(types).toContain(type);
    expect(problems).toEqual([]);
  }, 60_000);

  test('rejects: a missing scope, a user login on these routes, an access token on the user and admin routes, wrong secrets, disabled and rotated clients', async () => {
    const reader = await register('reader', ['sessions:read']);
    const readerToken = await tokenOf(reader);
    const sm = sessionManagerClient(director, readerToken);
    const denied = held('POST /createSessions', await sm.POST('/createSessions', { body: [{ Owner: 'alice' }] }));
    expect([denied.response.status, (denied.error as unknown as { error: { code: string } }).error.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    expect(held('POST /describeSessions', await sm.POST('/describeSessions', { body: {} })).response.status).toBe(200);
    // A filter or field dcvix does not take is a 400, which the YAML declares for every operation but
    // the two describe ones (docs/api.md says so): checked to be the only difference from it.
    const badFilter = await sm.POST('/describeSessions', { body: { Filters: [{ Key: 'colour', Value: 'red' }] } });
    const unknownField = await sm.POST('/describeSessions', { body: { SessionIds: [], Colour: 'red' } as never });
    for (const answer of [badFilter, unknownField]) {
      expect([answer.response.status, (answer.error as unknown as { error: { code: string } }).error.code]).toEqual([400, 'INVALID_BODY']);
      expect(check('POST /describeSessions', 400, answer.error)).toEqual(['POST /describeSessions 400: a status the YAML does not declare']);
    }
    const unknownItemField = held('POST /createSessions', await sm.POST('/createSessions', { body: [{ Owner: 'alice', Colour: 'red' } as never] }));
    expect((unknownItemField.error as unknown as { error: { message: string } }).error.message).toStartWith('[0].Colour: not a field');

    // A user's cookie, or their session token as a bearer, is no credential on these routes.
    const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    const byCookie = await call(`${director.url}/describeSessions`, { method: 'POST', ca: director.caPem, cookie: alice, json: {} });
    expect([byCookie.status, byCookie.json.error.code]).toEqual([401, 'API_TOKEN_REQUIRED']);
    problems.push(...check('POST /describeSessions', byCookie.status, byCookie.json));
    const sessionToken = alice.match(/dcvix_session=([^;]+)/)![1]!;
    const bySessionToken = held('POST /describeSessions', await sessionManagerClient(director, sessionToken).POST('/describeSessions', { body: {} }));
    expect(bySessionToken.response.status).toBe(401);
    // And an access token is none on the user and admin routes, nor a DCV connection token.
    for (const path of ['/v1/user/servers', '/v1/sessions', '/v1/admin/api-clients']) {
      expect((await call(`${director.url}${path}`, { ca: director.caPem, headers: { authorization: `Bearer ${readerToken}` } })).status).toBe(401);
    }
    expect(await verifier('any-session', readerToken)).toStartWith('<auth result="no"');

    const wrong = await accessToken(director, reader.id, 'not-the-secret');
    expect([wrong.status, wrong.json, wrong.headers.get('www-authenticate')]).toEqual([401, { error: 'invalid_client', error_description: 'client authentication failed' }, 'Basic realm="dcvix"']);
    const unknownGrant = await call(`${director.url}/oauth2/token?grant_type=password`, { method: 'POST', ca: director.caPem });
    expect([unknownGrant.status, unknownGrant.json.error]).toEqual([400, 'unsupported_grant_type']);

    // Rotated: tokens from before are refused, the new secret works, the old one does not.
    const rotated = await call(`${director.url}/v1/admin/api-clients/${reader.id}/rotate`, { method: 'POST', ca: director.caPem, cookie: admin });
    expect(held('POST /describeSessions', await sm.POST('/describeSessions', { body: {} })).response.status).toBe(401);
    expect((await accessToken(director, reader.id, reader.secret)).status).toBe(401);
    const fresh = await tokenOf({ id: reader.id, secret: rotated.json.clientSecret });
    expect(held('POST /describeSessions', await sessionManagerClient(director, fresh).POST('/describeSessions', { body: {} })).response.status).toBe(200);
    // Disabled: refused at once, and no new token.
    const disabled = await call(`${director.url}/v1/admin/api-clients/${reader.id}/disable`, { method: 'POST', ca: director.caPem, cookie: admin });
    expect(disabled.json.client.disabledBy).toBe('admin');
    expect(held('POST /describeSessions', await sessionManagerClient(director, fresh).POST('/describeSessions', { body: {} })).response.status).toBe(401);
    expect((await accessToken(director, reader.id, rotated.json.clientSecret)).status).toBe(401);
    const listed = await call(`${director.url}/v1/admin/api-clients`, { ca: director.caPem, cookie: admin });
    expect(listed.json.clients.map((client: { name: string; disabledAt: string | null }) => [client.name, client.disabledAt !== null])).toEqual([
      ['reader', true],
      ['portal', false],
    ]);
    expect(JSON.stringify(listed.json)).not.toContain(rotated.json.clientSecret);
    expect(problems).toEqual([]);
  }, 60_000);
  test('ok: an admin-set owners limit lets a client create for a user the policy keeps out of its pool; refused without it', async () => {
    const withoutPools = await call(`${director.url}/v1/admin/api-clients`, { method: 'POST', ca: director.caPem, cookie: admin, json: { name: 'wide', scopes: ['sessions:write'], owners: ['*'] } });
    expect([withoutPools.status, withoutPools.json.error.message]).toEqual([400, 'owners needs pools: the pools where the client may create sessions for them']);
    const scheduler = await register('scheduler', ['sessions:read', 'sessions:write'], { pools: ['eng'], owners: ['carol'] });
    const listed = await call(`${director.url}/v1/admin/api-clients`, { ca: director.caPem, cookie: admin });
    expect(listed.json.clients.find((client: { name: string }) => client.name === 'scheduler').owners).toEqual(['carol']);
    const plain = sessionManagerClient(director, await tokenOf(await register('plain', ['sessions:write'], { pools: ['eng'] })));
    const refused = held('POST /createSessions', await plain.POST('/createSessions', { body: [{ Owner: 'carol' }] }));
    expect(refused.data?.UnsuccessfulList?.map((item) => item.FailureReason)).toEqual(['NOT_PERMITTED: the policy lets carol use no pool this API client may place in']);
    const sm = sessionManagerClient(director, await tokenOf(scheduler));
    const created = held('POST /createSessions', await sm.POST('/createSessions', { body: [{ Owner: 'carol' }] }));
    const id = created.data!.SuccessfulList![0]!.Id!;
    await eventually(async () => held('POST /describeSessions', await sm.POST('/describeSessions', { body: { SessionIds: [id] } })).data?.Sessions?.[0]?.State === 'READY', 10_000, 'READY');
    const audit = await call(`${director.url}/v1/admin/audit?actor=api-client:scheduler&limit=50`, { ca: director.caPem, cookie: admin });
    expect(audit.json.events).toContainEqual(expect.objectContaining({ type: 'session.create.override', target: id, outcome: 'success' }));
    held('POST /deleteSessions', await sm.POST('/deleteSessions', { body: [{ SessionId: id, Owner: 'carol' }] }));
    expect(problems).toEqual([]);
  }, 60_000);
});
