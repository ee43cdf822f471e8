import { describe, expect, test } from 'bun:test';
import { packBundle, unpackBundle } from './bundle.ts';
import { type BackupFileError, openBackup, sealBackup } from './sealed-file.ts';

// A cheap key derivation keeps the unit tests fast; the commands use KDF_COST.
const CHEAP = { memoryKiB: 64, iterations: 1, parallelism: 1 };
const entries = [
  { name: 'store/agents.db', mode: 0o600, data: new TextEncoder().encode('sqlite bytes') },
  { name: 'data/ca.key', mode: 0o600, data: new TextEncoder().encode('-----BEGIN PRIVATE KEY-----') },
  { name: 'etc/dcvix-director.conf', mode: 0o644, data: new TextEncoder().encode('token_key = "..."') },
];
const info = { createdAt: 1, version: 'test', store: 'sqlite' as const, schemaVersion: 16 };

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: BackupFileError) => [err.reason, err.message],
  );

describe('sealed backup file', () => {
  test('ok: sealed and opened with the same passphrase, every entry back with its mode', async () => {
    const sealed = await sealBackup(packBundle(info, entries), 'correct horse battery', CHEAP);
    const opened = unpackBundle(await openBackup(sealed, 'correct horse battery'));
    expect(opened.info).toEqual(info);
    expect(opened.entries.map((entry) => [entry.name, entry.mode, new TextDecoder().decode(entry.data)])).toEqual(
      entries.map((entry) => [entry.name, entry.mode, new TextDecoder().decode(entry.data)]),
    );
    expect(Buffer.from(sealed).includes('PRIVATE KEY')).toBe(false);
  });

  test('rejects: a wrong passphrase, a truncated file, a flipped byte anywhere, another file: each said as such', async () => {
    const sealed = Buffer.from(await sealBackup(packBundle(info, entries), 'correct horse battery', CHEAP));
    expect(await refusal(openBackup(sealed, 'wrong horse battery'))).toEqual(['wrong-passphrase', 'wrong passphrase for this backup file']);
    expect((await refusal(openBackup(sealed.subarray(0, sealed.length - 5), 'correct horse battery')))?.[0]).toBe('damaged');
    expect((await refusal(openBackup(sealed.subarray(0, 40), 'correct horse battery')))?.[0]).toBe('truncated');
    // The tag, the ciphertext, the key derivation cost; an altered salt derives another key, like a wrong passphrase.
    for (const [at, reason] of [
      [sealed.length - 1, 'damaged'],
      [120, 'damaged'],
      [9, 'damaged'],
      [25, 'wrong-passphrase'],
    ] as const) {
      const altered = Buffer.from(sealed);
      altered[at]! ^= 1;
      expect([at, (await refusal(openBackup(altered, 'correct horse battery')))?.[0]]).toEqual([at, reason]);
    }
    expect((await refusal(openBackup(Buffer.from('PK\u0003\u0004 a zip file'), 'x')))?.[0]).toBe('not-a-backup');
  });

  test('rejects: a bundle naming a path outside its three areas', () => {
    for (const name of ['data/../../etc/passwd', 'etc/sub/file', '/abs', 'store/other.db']) {
      expect(() => unpackBundle(packBundle(info, [{ name, mode: 0o600, data: new Uint8Array() }]))).toThrow(/outside data_dir/);
    }
  });
});
