import { describe, expect, test } from 'bun:test';
import { compactPolicyDiff, policyChanges } from './diff.ts';

describe('policy diff for the audit', () => {
  test('ok: changed, added and removed keys with their values; lists whole; equal documents give none', () => {
    const before = { admins: ['root'], users: { alice: { servers: ['ws01'], pools: [] }, bob: { servers: [], pools: ['eng'] } } };
    const after = { admins: ['root'], users: { alice: { servers: ['ws01', 'ws02'], pools: [] }, carol: { servers: ['*'], pools: [] } } };
    expect(policyChanges(before, after, 'users.json:')).toEqual([
      { path: 'users.json:.users.alice.servers', before: ['ws01'], after: ['ws01', 'ws02'] },
      { path: 'users.json:.users.bob', before: { servers: [], pools: ['eng'] } },
      { path: 'users.json:.users.carol', after: { servers: ['*'], pools: [] } },
    ]);
    expect(policyChanges(before, structuredClone(before), 'users.json:')).toEqual([]);
  });

  test('ok: the audit text names the file and the key path, never the whole documents', () => {
    const pools = { pools: { eng: { description: 'Engineering', servers: ['ws01'] }, lab: { servers: ['*'] } } };
    const text = compactPolicyDiff(
      { users: { admins: ['root'] }, pools },
      { users: { admins: ['root'] }, pools: { pools: { ...pools.pools, eng: { ...pools.pools.eng, max_sessions_per_user: 2 } } } },
    );
    expect(JSON.parse(text)).toEqual([{ path: 'pools.json: pools.eng.max_sessions_per_user', after: 2 }]);
    expect(text).not.toContain('lab');
    expect(JSON.parse(compactPolicyDiff(undefined, { users: { admins: ['root'] }, pools: {} }))).toEqual([{ path: 'users.json: admins', after: ['root'] }]);
  });

  test('ok: a change too large for the audit field lists its paths, then as many as fit and how many more', () => {
    const many = (value: string) => Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`user${index}`, { servers: [value.repeat(30)], pools: [] }]));
    const paths = JSON.parse(compactPolicyDiff({ users: { users: many('a') }, pools: {} }, { users: { users: many('b') }, pools: {} }));
    expect(paths.changed[0]).toBe('users.json: users.user0.servers');
    expect(paths.changed.length + paths.more).toBe(40);
    expect(JSON.stringify(paths).length).toBeLessThanOrEqual(1000);
  });
});
