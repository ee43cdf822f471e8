import { beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bitString, context0, integer0, oid, sequence, set, utf8String } from '../../shared/pki/der-writer.ts';
import { createCsr } from '../../agent/identity/ed25519-csr.ts';
import { generateEd25519, publicKeySpki } from '../../shared/pki/keys.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { sha256Fingerprint } from '../../shared/pki/native-cert.ts';
import { checkAgentCsr } from './csr-checks.ts';

const ED25519 = '1.3.101.112';
const COMMON_NAME = '2.5.4.3';
const guid = crypto.randomUUID();
const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');

let keys: CryptoKeyPair;
let good: Uint8Array;

/** A short (< 128 bytes) TLV: the string types the sample subjects need beside UTF8String. */
const shortTlv = (tag: number, body: Uint8Array) => Uint8Array.of(tag, body.length, ...body);

/** An Ed25519 request over a given subject Name (DER), signed with `keys` unless `sign` says otherwise. */
async function requestWith(subject: Uint8Array, opts: { algorithm?: Uint8Array; spki?: Uint8Array } = {}): Promise<Uint8Array> {
  const spki = opts.spki ?? (await publicKeySpki(keys.publicKey));
  const info = sequence(integer0(), subject, spki, context0());
  const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', keys.privateKey, info as Uint8Array<ArrayBuffer>));
  return sequence(info, opts.algorithm ?? sequence(oid(ED25519)), bitString(signature));
}

const cnName = (value: Uint8Array) => sequence(set(sequence(oid(COMMON_NAME), value)));

/** The code checkAgentCsr refuses with, or 'ok'. */
async function outcome(csr: Uint8Array | string, forGuid = guid): Promise<string> {
  try {
    await checkAgentCsr(typeof csr === 'string' ? csr : b64(csr), forGuid);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

function openssl(args: string[]): void {
  const result = Bun.spawnSync(['openssl', ...args], { stdout: 'pipe', stderr: 'pipe' });
  if (result.exitCode !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr.toString()}`);
}

/** A request openssl makes for a fresh key of `algorithm` (genpkey options) and subject CN `cn`. */
function opensslCsr(algorithm: string[], cn: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-csr-'));
  openssl(['genpkey', ...algorithm, '-out', join(dir, 'k.pem')]);
  openssl(['req', '-new', '-key', join(dir, 'k.pem'), '-subj', `/CN=${cn}`, '-outform', 'DER', '-out', join(dir, 'r.der')]);
  return new Uint8Array(readFileSync(join(dir, 'r.der')));
}

beforeAll(async () => {
  keys = await generateEd25519();
  good = await createCsr(keys, agentCn(guid));
});

describe('checkAgentCsr: what passes', () => {
  test('ok: the agent’s own request; the key and fingerprint are what the director keeps', async () => {
    const checked = await checkAgentCsr(b64(good), guid);
    expect(Buffer.from(checked.parsed.publicKeySpki).equals(Buffer.from(await publicKeySpki(keys.publicKey)))).toBe(true);
    expect(checked.fingerprint).toBe(sha256Fingerprint(good));
    expect(Buffer.from(checked.der).equals(Buffer.from(good))).toBe(true);
  });

  test('ok: openssl’s Ed25519 request, and the name as PrintableString (Go’s encoding) or BMPString', async () => {
    expect(await outcome(opensslCsr(['-algorithm', 'ed25519'], agentCn(guid)))).toBe('ok');
    const cn = new TextEncoder().encode(agentCn(guid));
    expect(await outcome(await requestWith(cnName(shortTlv(0x13, cn))))).toBe('ok');
    const bmp = new Uint8Array(Buffer.from(agentCn(guid), 'utf16le').swap16());
    expect(await outcome(await requestWith(cnName(shortTlv(0x1e, bmp))))).toBe('ok');
  });

  test('ok: the first common name counts when the subject has other attributes too', async () => {
    const org = sequence(oid('2.5.4.10'), utf8String('ACME'));
    const subject = sequence(set(org), set(sequence(oid(COMMON_NAME), utf8String(agentCn(guid)))), set(sequence(oid(COMMON_NAME), utf8String('other'))));
    expect(await outcome(await requestWith(subject))).toBe('ok');
  });
});

describe('checkAgentCsr: what is refused, with which code', () => {
  test('rejects: not base64, empty, or over 4 KiB: INVALID_CSR_ENCODING', async () => {
    expect(await outcome('!!!not base64!!!')).toBe('INVALID_CSR_ENCODING');
    expect(await outcome('')).toBe('INVALID_CSR_ENCODING');
    expect(await outcome(new Uint8Array(4097).fill(0x30))).toBe('INVALID_CSR_ENCODING');
  });

  test('rejects: every truncation of a good request: INVALID_CSR', async () => {
    for (let length = 1; length < good.length; length++) expect([length, await outcome(good.subarray(0, length))]).toEqual([length, 'INVALID_CSR']);
  });

  test('rejects: bytes after the request, garbage, a part missing: INVALID_CSR', async () => {
    expect(await outcome(Uint8Array.of(...good, 0))).toBe('INVALID_CSR');
    expect(await outcome(new TextEncoder().encode('garbage that is not DER'))).toBe('INVALID_CSR');
    const [info, algorithm] = outerParts(good);
    expect(await outcome(sequence(info, algorithm))).toBe('INVALID_CSR');
  });

  test('rejects: a wrong tag anywhere in the structure: INVALID_CSR', async () => {
    // Offsets of the tags of: the request, its info, the version, the subject, the key, the key's algorithm, the signature algorithm, the signature.
    const [info, algorithm] = outerParts(good);
    const infoAt = 3;
    const subjectAt = infoAt + 2 + 3;
    const spkiAt = subjectAt + 2 + good[subjectAt + 1]!;
    const algorithmAt = infoAt + info.length;
    const signatureAt = algorithmAt + algorithm.length;
    for (const at of [0, infoAt, infoAt + 2, subjectAt, spkiAt, spkiAt + 2, algorithmAt, signatureAt]) {
      for (const tag of [0x04, 0x31, 0x02, 0x05]) {
        if (good[at] === tag) continue;
        const changed = Uint8Array.from(good);
        changed[at] = tag;
        expect([at, tag, await outcome(changed)]).toEqual([at, tag, 'INVALID_CSR']);
      }
    }
  });

  test('rejects: lengths past the end or over 4 bytes: INVALID_CSR', async () => {
    const body = good.subarray(3);
    for (const length of [
      [0x84, 0xff, 0xff, 0xff, 0xff],
      [0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0],
      [0x81, 0xff],
      [0x82, 0xff, 0xff],
    ]) {
      expect([length, await outcome(Uint8Array.of(0x30, ...length, ...body))]).toEqual([length, 'INVALID_CSR']);
    }
  });

  // pkijs let these through (the signature covers only the request info); PKCS#10 is DER and no agent sends them.
  test('rejects: BER forms DER forbids (indefinite or non-minimal length, an extra element, unused bits in the signature): INVALID_CSR', async () => {
    const body = good.subarray(3);
    expect(await outcome(Uint8Array.of(0x30, 0x80, ...body, 0, 0))).toBe('INVALID_CSR');
    expect(await outcome(Uint8Array.of(0x30, 0x82, 0x00, body.length, ...body))).toBe('INVALID_CSR');
    const [info, algorithm, signature] = outerParts(good);
    expect(await outcome(sequence(info, algorithm, signature, integer0()))).toBe('INVALID_CSR');
    const unusedBits = Uint8Array.from(signature);
    unusedBits[2] = 1;
    expect(await outcome(sequence(info, algorithm, unusedBits))).toBe('INVALID_CSR');
  });

  test('rejects: every single-byte change of a good request, with one of the CSR codes (never accepted, never another error)', async () => {
    const codes = new Set<string>();
    for (let at = 0; at < good.length; at++) {
      for (const change of [0x01, 0x80, 0xff]) {
        const changed = Uint8Array.from(good);
        changed[at]! ^= change;
        const code = await outcome(changed);
        codes.add(code);
        expect([at, change, ['INVALID_CSR', 'CSR_SIGNATURE_INVALID', 'CSR_CN_MISMATCH'].includes(code) ? 'refused' : code]).toEqual([at, change, 'refused']);
      }
    }
    expect([...codes].sort()).toEqual(['CSR_SIGNATURE_INVALID', 'INVALID_CSR']);
  });

  test('rejects: random bytes, and random bytes behind a plausible header: INVALID_CSR', async () => {
    for (let round = 0; round < 500; round++) {
      const noise = crypto.getRandomValues(new Uint8Array(1 + (round % 300)));
      expect(await outcome(noise)).toBe('INVALID_CSR');
      expect(await outcome(Uint8Array.of(0x30, 0x82, noise.length >> 8, noise.length & 0xff, ...noise))).toBe('INVALID_CSR');
    }
  });

  test('rejects: a signature that does not verify: CSR_SIGNATURE_INVALID (checked before the name)', async () => {
    const flipped = Uint8Array.from(good);
    flipped[flipped.length - 1]! ^= 1;
    expect(await outcome(flipped)).toBe('CSR_SIGNATURE_INVALID');
    const renamed = Uint8Array.from(good);
    const at = Buffer.from(renamed).indexOf(Buffer.from(guid));
    renamed[at] = renamed[at] === 0x61 ? 0x62 : 0x61;
    expect(await outcome(renamed)).toBe('CSR_SIGNATURE_INVALID');
    const [info, algorithm] = outerParts(good);
    expect(await outcome(sequence(info, algorithm, bitString(new Uint8Array(64))))).toBe('CSR_SIGNATURE_INVALID');
    expect(await outcome(sequence(info, algorithm, bitString(new Uint8Array(10))))).toBe('CSR_SIGNATURE_INVALID');
  });

  test('rejects: an Ed25519 signature claimed for a key of another type, or another algorithm claimed: CSR_SIGNATURE_INVALID', async () => {
    const p256 = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])) as CryptoKeyPair;
    const foreignSpki = new Uint8Array(await crypto.subtle.exportKey('spki', p256.publicKey));
    expect(await outcome(await requestWith(cnName(utf8String(agentCn(guid))), { spki: foreignSpki }))).toBe('CSR_SIGNATURE_INVALID');
    const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
    expect(await outcome(await requestWith(cnName(utf8String(agentCn(guid))), { algorithm: ecdsaWithSha256 }))).toBe('CSR_SIGNATURE_INVALID');
    expect(await outcome(opensslCsr(['-algorithm', 'ed448'], agentCn(guid)))).toBe('CSR_SIGNATURE_INVALID');
  });

  test('rejects: another GUID’s name, no common name, a name that is not a string: CSR_CN_MISMATCH', async () => {
    expect(await outcome(good, crypto.randomUUID())).toBe('CSR_CN_MISMATCH');
    expect(await outcome(await requestWith(sequence()))).toBe('CSR_CN_MISMATCH');
    expect(await outcome(await requestWith(sequence(set(sequence(oid('2.5.4.10'), utf8String(agentCn(guid)))))))).toBe('CSR_CN_MISMATCH');
    expect(await outcome(await requestWith(cnName(shortTlv(0x04, new TextEncoder().encode(agentCn(guid))))))).toBe('CSR_CN_MISMATCH');
  });

  test('rejects: a correctly signed request for another key type: CSR_KEY_NOT_ED25519', async () => {
    expect(await outcome(opensslCsr(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], agentCn(guid)))).toBe('CSR_KEY_NOT_ED25519');
    expect(await outcome(opensslCsr(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], agentCn(guid)))).toBe('CSR_KEY_NOT_ED25519');
    expect(await outcome(opensslCsr(['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], agentCn(guid)))).toBe('CSR_KEY_NOT_ED25519');
  });
});

/** The request's three elements (info, signature algorithm, signature), each as whole DER. */
function outerParts(der: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const parts: Uint8Array[] = [];
  let at = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
  while (at < der.length) {
    const first = der[at + 1]!;
    const lengthBytes = first & 0x80 ? first & 0x7f : 0;
    let length = first & 0x80 ? 0 : first;
    for (let index = 0; index < lengthBytes; index++) length = length * 256 + der[at + 2 + index]!;
    const end = at + 2 + lengthBytes + length;
    parts.push(der.subarray(at, end));
    at = end;
  }
  return parts as [Uint8Array, Uint8Array, Uint8Array];
}
