import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dcvConfFile, parseDcvConf } from './dcv-conf.ts';

const SAMPLE = `# DCV server configuration
[license]
license-file = "5053@licserv"

[ Security ]
auth-token-verifier="https://director.example.com:8445/v1/user/authtokenverify"
ca-file='/etc/dcv/dcvix-ca.pem'  # the director's CA
; a comment
no-tls-strict=true ; why not
[connectivity]
web-port=8443
enable-quic-frontend = true
not a key line
`;

describe('dcv.conf', () => {
  test('ok: sections, quoted and bare values, comments, case of section and key names', () => {
    const settings = parseDcvConf(SAMPLE);
    expect(settings.get('security', 'auth-token-verifier')).toBe('https://director.example.com:8445/v1/user/authtokenverify');
    expect(settings.get('security', 'ca-file')).toBe('/etc/dcv/dcvix-ca.pem');
    expect(settings.get('security', 'no-tls-strict')).toBe('true');
    expect(settings.get('connectivity', 'web-port')).toBe('8443');
    expect(settings.get('license', 'license-file')).toBe('5053@licserv');
    expect(settings.get('security', 'missing')).toBeUndefined();
    expect(settings.get('nowhere', 'web-port')).toBeUndefined();
  });

  test('ok: a key before any section and a key of another section are not taken', () => {
    const settings = parseDcvConf('auth-token-verifier="https://stray"\n[connectivity]\nauth-token-verifier="https://wrong"\n');
    expect(settings.get('security', 'auth-token-verifier')).toBeUndefined();
  });

  test('ok: read from a file; rejects: a missing file throws', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcvix-dcvconf-'));
    writeFileSync(join(dir, 'dcv.conf'), SAMPLE);
    expect((await dcvConfFile(join(dir, 'dcv.conf')).read()).get('connectivity', 'enable-quic-frontend')).toBe('true');
    await expect(dcvConfFile(join(dir, 'absent.conf')).read()).rejects.toThrow(/ENOENT/);
  });
});
