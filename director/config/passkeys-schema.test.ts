import { describe, expect, test } from 'bun:test';
import { applySchema } from '../../shared/config-schema.ts';
import { authSchema } from './auth-schema.ts';

const auth = (raw: Record<string, unknown>) => applySchema(authSchema.section, raw, 'dcvix-director.conf', 'auth.');

describe('[auth.passkeys] and [auth.header]', () => {
  test('ok: defaults: passkeys on as a second factor only, header sign-in off', () => {
    const config = auth({});
    expect(config.passkeys).toEqual({ enabled: true, allow_passwordless: false, user_verification: 'preferred', rp_name: 'Remote desktops', timeout: 120_000 });
    expect(config.header).toMatchObject({ user_header: '', groups_header: '', groups_separator: ',', trusted: [] });
    const set = auth({ passkeys: { allow_passwordless: true, timeout: '5m' }, header: { user_header: 'X-Forwarded-User', trusted: ['10.0.5.10'] } });
    expect([set.passkeys.allow_passwordless, set.passkeys.timeout, set.header.user_header, set.header.trusted.length]).toEqual([true, 300_000, 'x-forwarded-user', 1]);
  });

  test('rejects: bad values stop start-up naming the file and key', () => {
    expect(() => auth({ passkeys: { user_verification: 'always' } })).toThrow(/dcvix-director\.conf: key "auth\.passkeys\.user_verification"/);
    expect(() => auth({ passkeys: { timeout: '1s' } })).toThrow(/auth\.passkeys\.timeout/);
    expect(() => auth({ header: { user_header: 'X Forwarded User' } })).toThrow(/auth\.header\.user_header/);
    expect(() => auth({ header: { trusted: ['10.0.0.300'] } })).toThrow(/auth\.header\.trusted/);
    expect(() => auth({ header: { proxies: [] } })).toThrow(/unknown key "auth\.header\.proxies"/);
  });
});
