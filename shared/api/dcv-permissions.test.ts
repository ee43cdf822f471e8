import { describe, expect, test } from 'bun:test';
import { permissionLineProblem, permissionsFileText, permissionsTextProblem } from './dcv-permissions.ts';

describe('DCV permissions files', () => {
  test('ok: the file dcvix writes: three section heads, then the lines with single spaces', () => {
    const text = permissionsFileText(['%owner% allow builtin', 'group:observers  deny\tclipboard-copy file-download', 'bob@corp.example allow display keyboard mouse pointer']);
    expect(text).toBe('[groups]\n[aliases]\n[permissions]\n%owner% allow builtin\ngroup:observers deny clipboard-copy file-download\nbob@corp.example allow display keyboard mouse pointer\n');
    expect(permissionsTextProblem(text)).toBeUndefined();
    expect(permissionsTextProblem(permissionsFileText([]))).toBeUndefined();
  });

  test('ok: every actor kind and rule', () => {
    for (const line of ['%any% disallow usb', 'osgroup:wheel allow builtin', 'group:eng deny webcam webauthn-redirection', 'alice allow audio-in audio-out']) {
      expect(permissionLineProblem(line)).toBeUndefined();
    }
  });

  test('rejects: unknown rules and features, bad actors, empty lines, control characters', () => {
    expect(permissionLineProblem('%owner% grant builtin')).toBe('"grant" is not a rule (allow, disallow or deny)');
    expect(permissionLineProblem('%owner% allow clipbord-copy')).toBe('unknown feature "clipbord-copy"');
    expect(permissionLineProblem('%owner% allow')).toBe('names no feature');
    expect(permissionLineProblem('%root% allow builtin')).toContain('is not an actor');
    expect(permissionLineProblem('group: allow builtin')).toBe('"group:" is not a valid group actor');
    expect(permissionLineProblem('')).toContain('is not an actor');
    expect(permissionLineProblem('bob allow display\r')).toBe('unknown feature "display\r"');
    expect(permissionLineProblem(`bob allow ${'display '.repeat(40)}`)).toBe('longer than 256 characters');
  });

  test('rejects: a text without the heads, without the last line break, with a bad line, or too long', () => {
    expect(permissionsTextProblem('[permissions]\n%owner% allow builtin\n')).toBe('does not start with [groups], [aliases], [permissions]');
    expect(permissionsTextProblem('[groups]\n[aliases]\n[permissions]\n%owner% allow builtin')).toBe('does not end with a line break');
    expect(permissionsTextProblem('[groups]\n[aliases]\n[permissions]\n%owner% allow builtin\n[groups]\n')).toContain('line 5: ');
    expect(permissionsTextProblem('[groups]\n[aliases]\n[permissions]\n%owner%  allow builtin\n')).toBe('line 4: words not apart by single spaces');
    expect(permissionsTextProblem(permissionsFileText(Array(2000).fill('%owner% allow builtin')))).toBe('longer than 32768 characters');
  });
});
