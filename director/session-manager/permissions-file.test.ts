import { describe, expect, test } from 'bun:test';
import { matchingProfile, permissionLines, sharesFrom } from './permissions-file.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('permissions files from API clients', () => {
  test('ok: [permissions] lines are read, normalised; a profile matches exactly; share lines become roles', () => {
    const read = permissionLines(b64('[groups]\n[aliases]\n[permissions]\n%owner%   allow builtin\nbob allow display\ncarol allow display keyboard mouse pointer\n'));
    expect(read).toEqual({ lines: ['%owner% allow builtin', 'bob allow display', 'carol allow display keyboard mouse pointer'] });
    const lines = (read as { lines: string[] }).lines;
    expect(sharesFrom(lines, ['%owner% allow builtin'])).toEqual({
      shares: [
        { user: 'bob', role: 'viewer' },
        { user: 'carol', role: 'collaborator' },
      ],
    });
    const profiles = new Map([
      ['view', ['%owner% allow display']],
      ['full', ['%owner% allow builtin']],
    ]);
    expect(matchingProfile(['%owner% allow builtin'], ['view', 'full'], profiles)).toBe('full');
    expect(matchingProfile(['%owner% allow builtin'], ['view'], profiles)).toBeUndefined();
  });

  test('rejects: groups, bad lines, not base64, and lines granting beyond a share', () => {
    expect(permissionLines(b64('[groups]\nteam=alice,bob\n'))).toEqual({ problem: 'PermissionsFile: [groups] entries are not supported (only [permissions] lines)' });
    expect(permissionLines(b64('bob allow everything\n'))).toEqual({ problem: 'PermissionsFile: "bob allow everything": unknown feature "everything"' });
    expect(permissionLines('***')).toEqual({ problem: 'PermissionsFile is not base64' });
    expect(sharesFrom(['bob allow display file-download'], [])).toMatchObject({ problem: expect.stringContaining('beyond what dcvix grants') });
    expect(sharesFrom(['%any% allow display'], [])).toMatchObject({ problem: expect.stringContaining('beyond what dcvix grants') });
    expect(sharesFrom(['bob allow display', 'bob allow display keyboard mouse pointer'], [])).toMatchObject({ problem: expect.stringContaining('one "<user> allow') });
  });
});
