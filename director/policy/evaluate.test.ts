import { expect, test } from 'bun:test';
import { entitlements, groupsOf, isAdmin, mayUseServer, poolMembers } from './evaluate.ts';
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
