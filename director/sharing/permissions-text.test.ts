import { describe, expect, test } from 'bun:test';
import { sessionPermissionsText } from './permissions-text.ts';

describe("a shared session's permissions file", () => {
  test('ok: the profile (full where none), then one line per share in user-name order', () => {
    expect(
      sessionPermissionsText(undefined, [
        { user: 'carol', role: 'collaborator' },
        { user: 'bob', role: 'viewer' },
      ]),
    ).toBe('[groups]\n[aliases]\n[permissions]\n%owner% allow builtin\nbob allow display\ncarol allow display keyboard mouse pointer\n');
    expect(sessionPermissionsText(['%owner% allow builtin', '%any% deny usb'], [])).toBe('[groups]\n[aliases]\n[permissions]\n%owner% allow builtin\n%any% deny usb\n');
  });
});
