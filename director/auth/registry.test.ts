import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySchema, ConfigError } from '../../shared/config-schema.ts';
import { silentLogger } from '../../shared/log.ts';
import { authSchema } from '../config/auth-schema.ts';
import { createAuthenticators } from './registry.ts';

const load = (raw: Record<string, unknown>) => applySchema(authSchema.section, raw, 'dcvix-director.conf', 'auth.');

describe('auth registry', () => {
  test('ok: backends are built in the configured order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcvix-reg-'));
    writeFileSync(join(dir, 'dcvix'), 'auth required pam_deny.so\n');
    const cfg = load({
      backends: ['radius', 'external', 'pam', 'ldap'],
      radius: { servers: ['127.0.0.1:1812'], secret: 's' },
      external: { command: ['/bin/false'] },
      pam: { config_dir: dir },
      ldap: { url: 'ldap://127.0.0.1', user_base: 'dc=x' },
    });
    expect(createAuthenticators(cfg, { log: silentLogger }).map((a) => a.name)).toEqual(['radius', 'external', 'pam', 'ldap']);
  });

  test('rejects: unknown names and unusable settings fail at start-up, naming the key', () => {
    expect(() => load({ backends: ['kerberos'] })).toThrow('auth.backends');
    expect(() => createAuthenticators(load({ backends: ['external', 'external'] }), { log: silentLogger })).toThrow(ConfigError);
    expect(() => createAuthenticators(load({ backends: ['radius'] }), { log: silentLogger })).toThrow('auth.radius.servers');
    expect(() => createAuthenticators(load({ backends: ['radius'], radius: { servers: ['x'] } }), { log: silentLogger })).toThrow('auth.radius');
    expect(() => createAuthenticators(load({ backends: ['ldap'], ldap: { url: 'http://x' } }), { log: silentLogger })).toThrow('auth.ldap.url');
    expect(() => createAuthenticators(load({ backends: ['ldap'], ldap: { url: 'ldap://x', user_base: 'dc=x', user_filter: '(((' } }), { log: silentLogger })).toThrow('auth.ldap.user_filter');
    expect(() => createAuthenticators(load({ backends: ['pam'], pam: { service: 'no-such-service-dcvix' } }), { log: silentLogger })).toThrow('auth.pam.service');
  });
});
