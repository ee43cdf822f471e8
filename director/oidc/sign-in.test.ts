import { describe, expect, test } from 'bun:test';
import { safeNext } from './sign-in.ts';

describe('the return path after a single sign-on', () => {
  test('ok: a path of the web app is kept', () => {
    expect(safeNext('/admin/servers?state=x')).toBe('/admin/servers?state=x');
  });

  test('rejects: absent, another site, a backslash trick, the sign-in page itself, control characters, too long', () => {
    for (const next of [undefined, '', 'https://evil.test', '//evil.test', '/\\evil.test', '/login?x', 'x', '/a\nb', '/caf\u00e9', '/a b', `/${'a'.repeat(600)}`]) expect(safeNext(next)).toBe('');
  });
});
