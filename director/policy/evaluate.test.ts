import { describe, expect, test } from 'bun:test';
import { DEFAULT_USER_CONFIG } from './config-keys.ts';
import { entitlements, groupsOf, isAdmin, mayUseServer, poolHas, poolMembers, userConfigAllowList } from './evaluate.ts';
import { parsePolicy, PolicyError } from './schema.ts';

const policy = parsePolicy(
  {
    admins: ['root'],
    adminGroups: ['ops'],
    users: { alice: { servers: ['ws01'], pools: ['eng'] } },
    groups: { design: { members: ['bob'], servers: ['ws09'], pools: ['gpu', 'missing'] } },
  },
  { pools: { eng: { servers: ['ws01', 'ws02'] }, gpu: { description: 'GPU boxes', servers: ['*'] } } },
);

test('ok: user grant plus group grants; unknown pools dropped', () => {
  const entitled = entitlements(policy, 'bob', groupsOf(policy, 'bob'));
  expect([...entitled.servers]).toEqual(['ws09']);
  expect([...entitled.pools]).toEqual(['gpu']);
  expect(mayUseServer(entitled, 'ws09')).toBe(true);
  expect(mayUseServer(entitled, 'ws01')).toBe(false);
});

test('ok: pool membership of one server, as poolMembers would say, without listing a "*" pool', () => {
  const known = ['ws01', 'ws02', 'ws07'];
  const isKnown = (id: string) => known.includes(id);
  for (const pool of ['eng', 'gpu', 'missing']) {
    for (const server of ['ws01', 'ws07', 'ws99']) expect(poolHas(policy, pool, server, isKnown)).toBe(poolMembers(policy, pool, known).includes(server));
  }
  expect(poolHas(policy, 'gpu', 'ws99', isKnown)).toBe(false);
  expect(poolHas(policy, 'gpu', 'ws07', isKnown)).toBe(true);
});

test('ok: backend groups replace policy membership; admin by name or group', () => {
  expect(groupsOf(policy, 'bob', ['ldap-eng'])).toEqual(['ldap-eng']);
  expect(isAdmin(policy, 'root', [])).toBe(true);
  expect(isAdmin(policy, 'carol', ['ops'])).toBe(true);
  expect(isAdmin(policy, 'alice', groupsOf(policy, 'alice'))).toBe(false);
});

test('ok: "*" pools span every known server', () => {
  expect(poolMembers(policy, 'gpu', ['a', 'b'])).toEqual(['a', 'b']);
  expect(poolMembers(policy, 'eng', ['a'])).toEqual(['ws01', 'ws02']);
});

test('rejects: malformed policy names the file and path', () => {
  expect(() => parsePolicy({ users: { alice: { servers: 'ws01' } } }, {})).toThrow(PolicyError);
  expect(() => parsePolicy({ users: { 'bad name;': {} } }, {})).toThrow(/users.json/);
  expect(() => parsePolicy({}, { pools: { p: { servers: ['a b'] } } })).toThrow(/pools.json: pools.p.servers/);
});

describe('userConfigAllowList: the config keys a user may set on a server', () => {
  const configPolicy = (top?: string[]) =>
    parsePolicy(
      {
        users: {
          direct: { servers: ['ws01', 'ws05'], pools: [] },
          pooled: { servers: [], pools: ['eng', 'lab'] },
          locked: { servers: [], pools: ['kiosk'] },
          everywhere: { servers: ['*'], pools: [] },
        },
      },
      {
        ...(top ? { userConfig: top } : {}),
        pools: {
          eng: { servers: ['ws01', 'ws02'], userConfig: ['display.*'] },
          lab: { servers: ['ws02', 'ws03'], userConfig: ['clipboard.max-text-len'] },
          open: { servers: ['ws04'] },
          kiosk: { servers: ['*'], userConfig: [] },
        },
        servers: { ws01: { userConfig: ['input.enable-relative-mouse'] }, ws05: {} },
      },
    );
  const allowed = (policy: ReturnType<typeof configPolicy>, user: string, server: string) =>
    userConfigAllowList(policy, entitlements(policy, user, []), server, (id) => ['ws01', 'ws02', 'ws03', 'ws04', 'ws05', 'ws06'].includes(id))?.sort();

  test("ok: the union of the server's own list and the lists of the pools through which the user may use it", () => {
    const policy = configPolicy();
    expect(allowed(policy, 'pooled', 'ws02')).toEqual(['clipboard.max-text-len', 'display.*']);
    expect(allowed(policy, 'pooled', 'ws01')).toEqual(['display.*', 'input.enable-relative-mouse']);
    // A direct grant brings only the server's own list, not the lists of pools the user is not in.
    expect(allowed(policy, 'direct', 'ws01')).toEqual(['input.enable-relative-mouse']);
  });

  test('ok: where nothing that applies names a list, the top-level list, else the built-in default', () => {
    expect(allowed(configPolicy(), 'direct', 'ws05')).toEqual([...DEFAULT_USER_CONFIG].sort());
    expect(allowed(configPolicy(), 'everywhere', 'ws06')).toEqual([...DEFAULT_USER_CONFIG].sort());
    expect(allowed(configPolicy(['clipboard.*']), 'everywhere', 'ws06')).toEqual(['clipboard.*']);
    expect(allowed(configPolicy([]), 'everywhere', 'ws06')).toEqual([]);
  });

  test('ok: a pool with an empty list names one: its users may set nothing there', () => {
    expect(allowed(configPolicy(), 'locked', 'ws06')).toEqual([]);
    expect(allowed(configPolicy(), 'locked', 'ws01')).toEqual(['input.enable-relative-mouse']);
  });

  test('rejects: a user who may not use the server gets no list at all', () => {
    expect(allowed(configPolicy(), 'pooled', 'ws04')).toBeUndefined();
    expect(allowed(configPolicy(), 'nobody', 'ws01')).toBeUndefined();
  });
});
