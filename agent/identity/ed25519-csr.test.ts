import { describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pkijs from 'pkijs';
import { parseCsr, isEd25519Key } from '../../director/ca/csr.ts';
import { installPkiEngine } from '../../director/ca/engine.ts';
import { nameWithCn } from '../../director/ca/x500.ts';
import { createCsr } from './ed25519-csr.ts';
import { generateEd25519, keyPairFromPem } from '../../shared/pki/keys.ts';
import { toPem } from '../../shared/pki/pem.ts';

/** The same request built by pkijs with the director's Ed25519-aware engine. */
async function pkijsCsr(keys: CryptoKeyPair, commonName: string): Promise<Uint8Array> {
  installPkiEngine();
  const request = new pkijs.CertificationRequest();
  request.subject = nameWithCn(commonName);
  await request.subjectPublicKeyInfo.importKey(keys.publicKey);
  request.attributes = [];
  await request.sign(keys.privateKey);
  return new Uint8Array(request.toSchema(true).toBER(false));
}

/** openssl, where it is on PATH (not on Windows: there the fixture below, made by openssl, stands in). */
const OPENSSL = Bun.which('openssl');

function openssl(args: string[]) {
  const result = Bun.spawnSync(['openssl', ...args], { stdout: 'pipe', stderr: 'pipe' });
  return { exitCode: result.exitCode, output: result.stdout.toString() + result.stderr.toString() };
}

describe("the agent's hand-built Ed25519 CSR (no pkijs)", () => {
  test.skipIf(!OPENSSL)('ok: parses, verifies (pkijs and openssl req -verify) and is deterministic', async () => {
    const keys = await generateEd25519();
    const cn = `dcvix-agent-${crypto.randomUUID()}`;
    const der = await createCsr(keys, cn);
    const parsed = await parseCsr(der);
    expect([parsed.commonName, parsed.signatureValid, isEd25519Key(parsed)]).toEqual([cn, true, true]);
    expect(Buffer.from(await createCsr(keys, cn)).equals(Buffer.from(der))).toBe(true);
    const file = join(mkdtempSync(join(tmpdir(), 'dcvix-csr-')), 'a.csr');
    writeFileSync(file, toPem(der, 'CERTIFICATE REQUEST'));
    const verified = openssl(['req', '-verify', '-noout', '-in', file, '-subject']);
    expect(verified.exitCode).toBe(0);
    expect(verified.output).toContain(`CN = ${cn}`);
  });

  test('ok: byte for byte what openssl 3 made from a fixture key and subject (openssl genpkey, openssl req -new -outform DER)', async () => {
    const fixtures = join(import.meta.dir, '../../tests/fixtures/openssl-ed25519');
    const keys = await keyPairFromPem(readFileSync(join(fixtures, 'fixture-key.pem'), 'utf8'), 'Ed25519');
    const ours = await createCsr(keys, 'dcvix-agent-00000000-0000-4000-8000-000000000000');
    expect(Buffer.from(ours).toString('hex')).toBe(readFileSync(join(fixtures, 'fixture.csr.der')).toString('hex'));
    expect((await parseCsr(ours)).signatureValid).toBe(true);
  });

  test.skipIf(!OPENSSL)('ok: byte for byte what openssl req -new makes from the same key and subject', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcvix-csr-'));
    const keyFile = join(dir, 'agent.key');
    const csrFile = join(dir, 'openssl.der');
    expect(openssl(['genpkey', '-algorithm', 'ed25519', '-out', keyFile]).exitCode).toBe(0);
    const cn = `dcvix-agent-${crypto.randomUUID()}`;
    expect(openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${cn}`, '-outform', 'DER', '-out', csrFile]).exitCode).toBe(0);
    const keys = await keyPairFromPem(readFileSync(keyFile, 'utf8'), 'Ed25519');
    const ours = await createCsr(keys, cn);
    expect(Buffer.from(ours).toString('hex')).toBe(readFileSync(csrFile).toString('hex'));
  });

  test('ok: byte for byte what pkijs builds, also with a name long enough for multi-byte DER lengths', async () => {
    const keys = await generateEd25519();
    for (const cn of [`dcvix-agent-${crypto.randomUUID()}`, 'x'.repeat(300)]) {
      const ours = await createCsr(keys, cn);
      expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(await pkijsCsr(keys, cn)).toString('hex'));
      expect((await parseCsr(ours)).signatureValid).toBe(true);
    }
  });

  test('rejects: a tampered byte breaks the signature', async () => {
    const keys = await generateEd25519();
    const der = await createCsr(keys, 'dcvix-agent-x');
    der[20] = der[20]! ^ 1;
    let valid = false;
    try {
      valid = parseCsr(der).signatureValid;
    } catch {
      // Unreadable is refused as well.
    }
    expect(valid).toBe(false);
  });
});
