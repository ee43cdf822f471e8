import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../shared/config-schema.ts';
import { silentLogger } from '../../shared/log.ts';
import { readDirectorConfig } from '../config/load.ts';
import { PublicCertificate } from './public-certificate.ts';

const dir = mkdtempSync(join(tmpdir(), 'dcvix-public-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate and key named `base` (.crt, .key) with CN `cn`. */
function selfSigned(base: string, cn: string): void {
  const made = Bun.spawnSync(
    [
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      join(dir, `${base}.key`),
      '-out',
      join(dir, `${base}.crt`),
    ],
    { stderr: 'pipe' },
  );
  if (made.exitCode !== 0) throw new Error(made.stderr.toString());
}

describe('public certificate files', () => {
  test('ok: a change of the files is seen by the periodic check; rejects: a pair that does not load keeps the one in use', async () => {
    selfSigned('site', 'first');
    selfSigned('next', 'second');
    selfSigned('other', 'other');
    const changes: string[] = [];
    const certificate = new PublicCertificate({
      certFile: join(dir, 'site.crt'),
      keyFile: join(dir, 'site.key'),
      clientCa: '',
      checkIntervalMs: 50,
      onChange: (tls) => changes.push(tls.subject),
      log: silentLogger,
    });
    certificate.start();
    try {
      expect(certificate.current.subject).toBe('CN=first');
      renameSync(join(dir, 'next.key'), join(dir, 'site.key'));
      renameSync(join(dir, 'next.crt'), join(dir, 'site.crt'));
      for (let waited = 0; !changes.length && waited < 3000; waited += 50) await Bun.sleep(50);
      expect(changes).toEqual(['CN=second']);
      // Half a renewal: the certificate of another key.
      renameSync(join(dir, 'other.crt'), join(dir, 'site.crt'));
      expect(certificate.reload('SIGHUP')).toBe(false);
      expect([certificate.current.subject, changes]).toEqual(['CN=second', ['CN=second']]);
    } finally {
      certificate.stop();
    }
  });

  test('rejects: config without the pair, with one file only, with a bad pair, or public_port = director_port', async () => {
    selfSigned('good', 'good');
    selfSigned('bad', 'bad');
    const attempt = async (toml: string) => {
      const file = join(dir, 'dcvix-director.conf');
      writeFileSync(file, toml);
      try {
        await readDirectorConfig(file, true);
        return 'loaded';
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message.replace(`${file}: `, '');
      }
    };
    expect(await attempt('public_port = 8443\n')).toBe('key "public_port" needs public_tls_cert_file and public_tls_key_file');
    expect(await attempt('public_hostnames = ["dcv.example.com"]\n')).toBe('key "public_hostnames" needs public_tls_cert_file and public_tls_key_file');
    expect(await attempt('public_tls_cert_file = "good.crt"\n')).toBe('keys "public_tls_cert_file" and "public_tls_key_file" go together');
    expect(await attempt('public_tls_cert_file = "good.crt"\npublic_tls_key_file = "bad.key"\n')).toMatch(/^key "public_tls_cert_file": .*good\.crt and .*bad\.key do not make a TLS certificate/);
    expect(await attempt('public_tls_cert_file = "good.crt"\npublic_tls_key_file = "good.key"\npublic_port = 8445\n')).toBe('key "public_port" must differ from director_port');
    expect(await attempt('public_tls_cert_file = "good.crt"\npublic_tls_key_file = "good.key"\npublic_port = 443\n')).toBe('loaded');
  });
});
