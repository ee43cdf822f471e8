import { expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsr, isEd25519Key } from './csr.ts';
import { createCsr } from './ed25519-csr.ts';
import { generateEd25519 } from './keys.ts';
import { toPem } from './pem.ts';

test('ok: the hand-built Ed25519 CSR parses, verifies (pkijs and openssl) and is deterministic', async () => {
  const keys = await generateEd25519();
  const cn = `dcvix-agent-${crypto.randomUUID()}`;
  const der = await createCsr(keys, cn);
  const parsed = await parseCsr(der);
  expect([parsed.commonName, parsed.signatureValid, isEd25519Key(parsed)]).toEqual([cn, true, true]);
  expect(Buffer.from(await createCsr(keys, cn)).equals(Buffer.from(der))).toBe(true);
  const file = join(mkdtempSync(join(tmpdir(), 'dcvix-csr-')), 'a.csr');
  writeFileSync(file, toPem(der, 'CERTIFICATE REQUEST'));
  const r = Bun.spawnSync(['openssl', 'req', '-verify', '-noout', '-in', file, '-subject'], { stdout: 'pipe', stderr: 'pipe' });
  expect(r.exitCode).toBe(0);
  expect(r.stdout.toString() + r.stderr.toString()).toContain(`CN = ${cn}`);
});

test('rejects: a tampered byte breaks the signature', async () => {
  const keys = await generateEd25519();
  const der = await createCsr(keys, 'dcvix-agent-x');
  der[20] = der[20]! ^ 1;
  const parsed = await parseCsr(der).catch(() => undefined);
  expect(parsed?.signatureValid ?? false).toBe(false);
});
