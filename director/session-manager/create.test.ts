import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../shared/errors.ts';
import { silentLogger } from '../../shared/log.ts';
import type { ApiClientRecord } from '../api-clients/store.ts';
import { parsePolicy } from '../policy/schema.ts';
import type { ServerEntry, SessionEntry } from '../servers/records.ts';
import { createSessions } from './create.ts';
import type { SessionManagerDeps } from './deps.ts';
import type { SessionRequest } from './request-store.ts';

const policy = parsePolicy(
  { users: { alice: { servers: [], pools: ['full', 'eng'] } } },
  {
    permissionProfiles: { 'view-only': ['%owner% allow display'] },
    pools: { full: { servers: ['*'] }, eng: { servers: ['*'], session_manager: { init_files: ['/opt/init.sh'], permission_profiles: ['view-only'] } } },
  },
);
const server = { id: 'ws1', address: '10.0.0.1', tags: [], stats: null, version: null, dcvError: null } as unknown as ServerEntry;
const client: ApiClientRecord = {
  id: 'c1',
  name: 'portal',
  secretHash: '',
  scopes: ['sessions:write'],
  users: null,
  pools: null,
  owners: null,
  createdAt: 0,
  createdBy: 'admin',
  rotatedAt: null,
  disabledAt: null,
  disabledBy: null,
};

/** Deps whose pool placement records its calls and fails with `failIn`'s error in those pools; requests kept in a map. */
function fakeDeps(failIn: Record<string, ApiError> = {}, hold: Promise<void> = Promise.resolve()) {
  const calls: { pool: string | undefined; user: string; extras: Record<string, unknown> }[] = [];
  const requests = new Map<string, SessionRequest>();
  const audited: Record<string, unknown>[] = [];
  let failures = 0;
  const deps = {
    policy: { current: policy },
    state: { server: () => server, sessionsOn: () => [], isOnline: () => true, isStale: () => false, health: () => ({ status: 'healthy' }) },
    endpoint: () => ({ host: 'ws1', port: 8443, webUrlPath: '/' }),
    offlineAfterMs: 30_000,
    clock: { now: () => 1_000_000 },
    log: silentLogger,
    audit: { record: (event: Record<string, unknown>) => audited.push(event) },
    onCreateFailed: () => failures++,
    requests: {
      put: async (request: SessionRequest) => void requests.set(request.id, request),
      remove: async (id: string) => void requests.delete(id),
      list: async () => [...requests.values()],
    },
    sessions: {
      createForUser: async (who: { user: string }, target: { poolId?: string }, type: string, _fresh: boolean, extras: Record<string, unknown>) => {
        calls.push({ pool: target.poolId, user: who.user, extras });
        await hold;
        const failure = failIn[target.poolId ?? ''];
        if (failure) throw failure;
        const session = { id: extras.sessionId, owner: who.user, type, serverId: 'ws1', state: 'running', numOfConnections: 0, createdAt: 0 } as unknown as SessionEntry;
        return { session, reconnected: false };
      },
    },
  } as unknown as SessionManagerDeps;
  return { deps, calls, requests, audited, failures: () => failures };
}

const reasons = async (deps: SessionManagerDeps, items: Parameters<typeof createSessions>[2], by = client) =>
  (await createSessions(deps, by, items)).answer.UnsuccessfulList.map((item) => item.FailureReason);

describe('createSessions items', () => {
  test('ok: answered CREATING at once, then placed under that id in the first pool whose allow-list takes the item, with its launch settings, requirements, profile and name', async () => {
    let release = () => {};
    const { deps, calls, requests } = fakeDeps({}, new Promise((resolve) => (release = resolve)));
    const b64 = Buffer.from('[permissions]\n%owner% allow display\n').toString('base64');
    const items = [
      { Owner: 'alice', Name: 'Design review' },
      { Owner: 'alice', InitFile: '/opt/init.sh', DcvGlEnabled: false, Requirements: "tag:gpu = 'a10'", PermissionsFile: b64 },
    ];
    const { answer, placing } = await createSessions(deps, client, items);
    expect(answer.SuccessfulList.map((session) => [session.Owner, session.Name, session.State, session.Substate, 'Server' in session])).toEqual([
      ['alice', 'Design review', 'CREATING', 'SESSION_PLACING', false],
      ['alice', undefined, 'CREATING', 'SESSION_PLACING', false],
    ]);
    expect([...requests.values()].map((request) => request.state)).toEqual(['creating', 'creating']);
    release();
    await placing;
    expect(calls.map((call) => [call.pool, call.extras.sessionId, call.extras.name])).toEqual([
      ['full', answer.SuccessfulList[0]!.Id, 'Design review'],
      ['eng', answer.SuccessfulList[1]!.Id, undefined],
    ]);
    expect(calls[1]!.extras).toMatchObject({
      launch: { init: '/opt/init.sh', gl: 'off' },
      permissions: { profile: 'view-only', text: '[groups]\n[aliases]\n[permissions]\n%owner% allow display\n' },
      requirements: { kind: 'compare' },
      actor: 'api-client:portal',
      beyondPolicy: false,
    });
    // Placed: the session rows tell the rest.
    expect(requests.size).toBe(0);
  });

  test('ok: a pool without a usable server passes the item to the next pool', async () => {
    const { deps, calls, requests } = fakeDeps({ full: new ApiError(503, 'NO_SERVER_AVAILABLE', 'every online server of pool full is in maintenance') });
    const { answer, placing } = await createSessions(deps, client, [{ Owner: 'alice' }]);
    await placing;
    expect([answer.SuccessfulList.length, calls.map((call) => call.pool), requests.size]).toEqual([1, ['full', 'eng'], 0]);
  });

  test('rejects: a placement that fails after the answer is kept as failed with its reason, audited and counted', async () => {
    const noServer = new ApiError(503, 'NO_SERVER_AVAILABLE', 'no server in this pool can take a session now');
    const { deps, requests, audited, failures } = fakeDeps({ full: noServer, eng: new ApiError(503, 'NO_HEALTHY_SERVER', 'no healthy server in pool eng') });
    const { answer, placing } = await createSessions(deps, client, [{ Owner: 'alice' }]);
    await placing;
    const id = answer.SuccessfulList[0]!.Id;
    expect(requests.get(id)).toMatchObject({ state: 'failed', pool: 'eng', reason: 'NO_HEALTHY_SERVER: no healthy server in pool eng' });
    expect(audited).toContainEqual({ type: 'session.create', actor: 'api-client:portal', target: id, outcome: 'failure', detail: 'for alice: NO_HEALTHY_SERVER: no healthy server in pool eng' });
    expect(failures()).toBe(1);
    // A timed-out attempt holds the promised id: the create ends there, saying so.
    const held = fakeDeps({ full: new ApiError(409, 'SESSION_EXISTS', 'a session with this id exists') });
    const second = await createSessions(held.deps, client, [{ Owner: 'alice' }]);
    await second.placing;
    expect(held.requests.get(second.answer.SuccessfulList[0]!.Id)?.reason).toStartWith('PLACEMENT_TIMED_OUT: ');
    expect(held.calls.map((call) => call.pool)).toEqual(['full']);
  });

  test('rejects: unsupported fields, bad values and files no pool allows, each with its reason, nothing placed or recorded', async () => {
    const { deps, calls, requests } = fakeDeps();
    expect(
      await reasons(deps, [
        { Owner: 'alice', Name: 'line\nbreak' },
        { Owner: 'alice', Name: '--owner=root' },
        { Owner: 'alice', EnqueueRequest: true },
        { Owner: 'alice', DisableRetryOnFailure: true },
        { Owner: 'alice', InitFile: '/opt/init.sh', InitFilePath: '/opt/other.sh' },
        { Owner: 'alice', Type: 'Console', InitFile: '/opt/init.sh' },
        { Owner: 'alice', Type: 'Remote' },
        { Owner: 'alice', MaxConcurrentClients: 0 },
        { Owner: 'alice', Requirements: 'server:Version = 1' },
        { Owner: 'alice', StorageRoot: '/srv' },
        { Owner: 'not a name' },
      ]),
    ).toEqual([
      'Name must be 1 to 256 characters without control characters, not starting with "-"',
      'Name must be 1 to 256 characters without control characters, not starting with "-"',
      'EnqueueRequest is not supported: dcvix places at once and queues nothing',
      "DisableRetryOnFailure is not supported: a pool create always tries the pool's next server after a host-side failure",
      'InitFile and InitFilePath (its deprecated name) differ',
      'InitFile and DcvGlEnabled are for Virtual sessions only',
      'Type must be Virtual or Console',
      'MaxConcurrentClients must be a whole number from 1 to 1000',
      'Requirements: at character 1: server:Version is a Session Manager property dcvix agents do not report: no server would ever satisfy it',
      'StorageRoot /srv is not allowed in pool eng (its session_manager.storage_roots)',
      'Owner must be a login name',
    ]);
    expect([calls, requests.size]).toEqual([[], 0]);
  });

  test('rejects: owners outside the client’s users limit or the policy', async () => {
    const { deps } = fakeDeps();
    expect(await reasons(deps, [{ Owner: 'bob' }])).toEqual(['NOT_PERMITTED: the policy lets bob use no pool this API client may place in']);
    expect(await reasons(deps, [{ Owner: 'alice' }], { ...client, users: ['bob'] })).toEqual(['NOT_PERMITTED: this API client may not act for alice']);
    // An owners limit names other users: bob stays refused.
    expect(await reasons(deps, [{ Owner: 'bob' }], { ...client, pools: ['eng'], owners: ['carol'] })).toEqual(['NOT_PERMITTED: the policy lets bob use no pool this API client may place in']);
  });

  test('ok: an owners limit lets the client create for a user the policy does not list, in its pools only, audited as an override', async () => {
    const { deps, calls, audited } = fakeDeps();
    const { answer, placing } = await createSessions(deps, { ...client, pools: ['eng'], owners: ['bob'] }, [{ Owner: 'bob' }]);
    await placing;
    expect(calls.map((call) => [call.pool, call.user, call.extras.beyondPolicy])).toEqual([['eng', 'bob', true]]);
    expect(audited).toContainEqual({
      type: 'session.create.override',
      actor: 'api-client:portal',
      target: answer.SuccessfulList[0]!.Id,
      outcome: 'success',
      detail: "pool eng for bob: not allowed by the policy; the API client's owners limit allows it",
    });
  });
});
