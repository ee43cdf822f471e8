import { describe, expect, test } from 'bun:test';
import { profileFor } from './permission-profiles.ts';
import { parsePolicy } from './schema.ts';

describe('the permission profile a session gets', () => {
  const policy = parsePolicy(
    { groups: { interns: { members: ['dan'] }, leads: { members: ['carol', 'dan'], permissions: 'full' }, viewers: { members: ['dan'], permissions: 'restricted' } } },
    {
      permissionProfiles: { restricted: ['%owner% allow builtin', '%owner% deny usb'], kiosk: ['%owner% allow display'] },
      pools: { eng: { servers: ['ws01', 'ws02'], permissions: 'restricted' }, lab: { servers: ['ws01'] } },
      servers: { ws01: { permissions: 'kiosk' } },
    },
  );

  test('ok: the first group in users.json naming one, else the pool, else the server, else none', () => {
    expect(profileFor(policy, ['viewers', 'leads'], 'ws02', 'eng')).toEqual({ name: 'full', lines: ['%owner% allow builtin'] });
    expect(profileFor(policy, ['interns'], 'ws01', 'eng')).toEqual({ name: 'restricted', lines: ['%owner% allow builtin', '%owner% deny usb'] });
    expect(profileFor(policy, [], 'ws01', 'lab')?.name).toBe('kiosk');
    expect(profileFor(policy, [], 'ws01')?.name).toBe('kiosk');
    expect(profileFor(policy, [], 'ws02')).toBeUndefined();
  });
});
