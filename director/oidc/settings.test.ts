import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySchema } from '../../shared/config-schema.ts';
import { authSchema } from '../config/auth-schema.ts';
import { oidcProviders } from './settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'dcvix-oidc-settings-'));
const configFile = join(dir, 'dcvix-director.conf');
writeFileSync(join(dir, 'corp.secret'), 'from-file\n');
writeFileSync(join(dir, 'ca.pem'), 'PEM');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const providersOf = (oidc: Record<string, Record<string, unknown>>, env: Record<string, string> = {}) => oidcProviders(applySchema(authSchema.section, { oidc }, configFile), configFile, env);

describe('[auth.oidc.<name>] providers', () => {
  test('ok: defaults, the secret from a file (relative to the config) or the environment, a public client, the CA read', () => {
    const [corp, partner, pub] = providersOf(
      {
        corp: { issuer: 'https://login.example.com/realms/staff', client_id: 'dcvix', client_secret_file: 'corp.secret', ca_file: 'ca.pem', display_name: 'Corp' },
        partner: { issuer: 'https://partner.example', client_id: 'p', client_secret_env: 'PARTNER_SECRET', allowed_domains: ['@Partner.example'] },
        pub: { issuer: 'https://pub.example', client_id: 'q' },
      },
      { PARTNER_SECRET: 'from-env' },
    );
    expect(corp).toMatchObject({
      name: 'corp',
      displayName: 'Corp',
      clientSecret: 'from-file',
      caPem: 'PEM',
      scopes: ['openid', 'profile', 'email'],
      usernameClaim: 'preferred_username',
      usernameFallbackClaim: 'email',
      groupsClaim: 'groups',
      timeoutMs: 10_000,
      endSession: true,
    });
    expect(corp!.issuer.href).toBe('https://login.example.com/realms/staff');
    expect(partner).toMatchObject({ displayName: 'partner', clientSecret: 'from-env', allowedDomains: ['partner.example'] });
    expect(pub!.clientSecret).toBeUndefined();
    expect(providersOf({})).toEqual([]);
  });

  test('rejects: a bad issuer, no client id, no openid scope, both secret sources, an empty secret, an unreadable file (each naming its key)', () => {
    const base = { issuer: 'https://id.example', client_id: 'dcvix' };
    expect(() => providersOf({ corp: { ...base, issuer: 'http://id.example' } })).toThrow('key "auth.oidc.corp.issuer" must be an https:// URL');
    expect(() => providersOf({ corp: { ...base, issuer: 'not a url' } })).toThrow('auth.oidc.corp.issuer');
    expect(() => providersOf({ corp: { ...base, client_id: '' } })).toThrow('key "auth.oidc.corp.client_id" is required');
    expect(() => providersOf({ corp: { ...base, scopes: ['profile'] } })).toThrow('auth.oidc.corp.scopes');
    expect(() => providersOf({ corp: { ...base, client_secret_file: 'corp.secret', client_secret_env: 'X' } })).toThrow('set one, not both');
    expect(() => providersOf({ corp: { ...base, client_secret_env: 'UNSET' } })).toThrow('auth.oidc.corp.client_secret_env');
    expect(() => providersOf({ corp: { ...base, client_secret_file: 'missing.secret' } })).toThrow('auth.oidc.corp.client_secret_file');
    expect(() => providersOf({ corp: { ...base, ca_file: 'missing.pem' } })).toThrow('auth.oidc.corp.ca_file');
    expect(() => providersOf({ corp: { ...base, required_claims: { hd: 3 } } })).toThrow('key "oidc.corp.required_claims" "hd" must be a string');
  });
});
