import { describe, expect, test } from 'bun:test';
import { ApiError } from '../errors.ts';
import { parseConfigRequest, parseCreateSessionRequest } from './agent-api.ts';
import { isConfigValue, isSessionId, isSessionOwner, isUserName } from './agent-wire.ts';

const INJECTIONS = ['--foo', '-x', 'a;rm -rf /', '../x', 'a/b', 'a b', 'sé', 'ß', 'a\nb', 'a\u0000', '$(id)', '`id`', 'x'.repeat(200), ''];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return (err as ApiError).code;
  }
  return undefined;
}

describe('validators', () => {
  test('ok: ordinary session ids and user names', () => {
    for (const id of ['test', 'alice-3f2a', 'S1.x_y', '0', 'a'.repeat(64)]) expect(isSessionId(id)).toBe(true);
    for (const user of ['john', 'alice.smith', '_svc', 'j-doe', 'alice@corp.example.com', 'Admin1']) expect(isUserName(user)).toBe(true);
  });

  test('rejects: injection attempts as session id or user', () => {
    for (const bad of INJECTIONS) {
      expect(isSessionId(bad)).toBe(false);
      expect(isUserName(bad)).toBe(false);
    }
    expect(isSessionId('a'.repeat(65))).toBe(false);
    expect(isSessionId('.hidden')).toBe(false);
    expect(isUserName('@corp')).toBe(false);
    expect(isUserName('a@b@c')).toBe(false);
    expect(isSessionId(42)).toBe(false);
  });

  test('ok: typed config literals', () => {
    for (const value of ["'debug'", '(30,80)', '8443', 'true', "'https://d:8445/v1/user/authtokenverify'"]) {
      expect(isConfigValue(value)).toBe(true);
    }
  });

  test('rejects: config values with newlines, control chars, leading dash, too long', () => {
    for (const value of ["'a'\n[security]", 'a\rb', '\u0007', '--help', '-1', 'x'.repeat(1025), '', 'a\u2028b']) {
      expect(isConfigValue(value)).toBe(false);
    }
  });
});

describe('parseCreateSessionRequest', () => {
  test("ok: the specification's example", () => {
    expect(parseCreateSessionRequest({ userId: 'john', sessionType: 'console', sessionId: 'test' })).toEqual({
      userId: 'john',
      sessionType: 'console',
      sessionId: 'test',
    });
    // An optional display name: free text on one line, kept as given.
    expect(parseCreateSessionRequest({ userId: 'john', sessionType: 'virtual', sessionId: 'test', name: 'Design review: 3D (GPU)' })).toMatchObject({ name: 'Design review: 3D (GPU)' });
  });

  test('rejects: each bad field with its own code', () => {
    const base = { userId: 'john', sessionType: 'virtual', sessionId: 'test' };
    expect(codeOf(() => parseCreateSessionRequest(null))).toBe('INVALID_BODY');
    expect(codeOf(() => parseCreateSessionRequest([base]))).toBe('INVALID_BODY');
    expect(codeOf(() => parseCreateSessionRequest('x'))).toBe('INVALID_BODY');
    expect(codeOf(() => parseCreateSessionRequest({ ...base, userId: '--owner=root' }))).toBe('INVALID_USER');
    expect(codeOf(() => parseCreateSessionRequest({ ...base, userId: undefined }))).toBe('INVALID_USER');
    expect(codeOf(() => parseCreateSessionRequest({ ...base, sessionType: 'Console' }))).toBe('INVALID_SESSION_TYPE');
    expect(codeOf(() => parseCreateSessionRequest({ ...base, sessionType: undefined }))).toBe('INVALID_SESSION_TYPE');
    for (const bad of INJECTIONS) {
      expect(codeOf(() => parseCreateSessionRequest({ ...base, sessionId: bad }))).toBe('INVALID_SESSION_ID');
    }
    for (const bad of ['', '-x', 'a\nb', 'a\u0000b', 'n'.repeat(257)]) expect(codeOf(() => parseCreateSessionRequest({ ...base, name: bad }))).toBe('INVALID_SESSION_NAME');
  });
});

describe('parseConfigRequest', () => {
  test("ok: the specification's example, and numbers/booleans become bare literals", () => {
    expect(parseConfigRequest({ config: [{ section: 'display', key: 'quality', value: '(30,80)' }] })).toEqual({
      config: [{ section: 'display', key: 'quality', value: '(30,80)' }],
    });
    const request = parseConfigRequest({
      config: [
        { section: 'connectivity', key: 'web-port', value: 8443 },
        { section: 'session-management/automatic-console-session', key: 'owner', value: "'alice'" },
        { section: 'clipboard', key: 'primary-selection-copy', value: true },
      ],
    });
    expect(request.config.map((c) => c.value)).toEqual(['8443', "'alice'", 'true']);
  });

  test('rejects: malformed bodies and entries', () => {
    const ok = { section: 'display', key: 'quality', value: '(30,80)' };
    expect(codeOf(() => parseConfigRequest(null))).toBe('INVALID_BODY');
    expect(codeOf(() => parseConfigRequest([]))).toBe('INVALID_BODY');
    // A missing or malformed list is the config's fault, as on the director's own config route.
    expect(codeOf(() => parseConfigRequest({}))).toBe('INVALID_CONFIG');
    expect(codeOf(() => parseConfigRequest({ config: {} }))).toBe('INVALID_CONFIG');
    expect(codeOf(() => parseConfigRequest({ config: [] }))).toBe('INVALID_CONFIG');
    expect(codeOf(() => parseConfigRequest({ config: Array(65).fill(ok) }))).toBe('INVALID_CONFIG');
    for (const bad of [
      null,
      { ...ok, section: '--section' },
      { ...ok, section: 'Display]' },
      { ...ok, section: '../etc' },
      { ...ok, key: 'quality\n[security]' },
      { ...ok, key: '' },
      { ...ok, value: "'x'\nauth-token-verifier='http://evil'" },
      { ...ok, value: '--help' },
      { ...ok, value: {} },
      { ...ok, value: Number.NaN },
    ]) {
      expect(codeOf(() => parseConfigRequest({ config: [bad] }))).toBe('INVALID_CONFIG');
    }
  });
});

test('ok: a create may name a Windows owner DOMAIN\\user as well as a login name; anything else is refused', () => {
  for (const owner of ['alice', 'alice@corp.example', 'CORP\\alice', 'CORP\\Alice Smith']) expect([owner, isSessionOwner(owner)]).toEqual([owner, true]);
  for (const owner of ['-rf', 'CORP\\', '\\alice', 'a\\b\\c', 'CORP\\al\nice', '']) expect([owner, isSessionOwner(owner)]).toEqual([owner, false]);
});
