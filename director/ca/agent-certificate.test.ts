import { beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { generateEd25519, generateP256, publicKeySpki } from '../../shared/pki/keys.ts';
import { agentCn, CA_CN } from '../../shared/pki/names.ts';
import { toArrayBuffer, toPem } from '../../shared/pki/pem.ts';
import { agentCertificateWriter, type AgentCertificateFields } from './agent-certificate.ts';
import { isSignedBy, parseCertDer } from './cert-info.ts';
import { buildCertificate, KeyUsage, publicKeyInfoOf, randomSerial } from './certificate-builder.ts';

let caKeys: CryptoKeyPair;
let caDer: Uint8Array;
let write: (fields: AgentCertificateFields) => Uint8Array;

/** The agent profile as pkijs builds it (what the director issued before the template): the reference. */
async function pkijsBuilt(fields: AgentCertificateFields): Promise<Uint8Array> {
  const spki = new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(toArrayBuffer(fields.publicKeySpki)).result });
  return buildCertificate(
    {
      subjectCn: agentCn(fields.guid),
      subjectPublicKey: spki,
      issuer: { cn: CA_CN, privateKey: caKeys.privateKey, publicKeyInfo: await publicKeyInfoOf(caKeys.publicKey) },
      serial: fields.serial,
      notBefore: fields.notBefore,
      notAfter: fields.notAfter,
      isCa: false,
      keyUsage: [KeyUsage.digitalSignature],
      extendedKeyUsage: ['serverAuth', 'clientAuth'],
      dnsNames: [agentCn(fields.guid)],
      ipAddresses: ['127.0.0.1'],
    },
    caKeys.privateKey,
  );
}

/** The certificate's three parts: to-be-signed, signature algorithm, signature (DER, as pkijs reads them). */
function parts(der: Uint8Array) {
  const cert = parseCertDer(der).certificate;
  return {
    tbs: Buffer.from(cert.tbsView).toString('hex'),
    algorithm: Buffer.from(cert.signatureAlgorithm.toSchema().toBER(false)).toString('hex'),
    signature: Buffer.from(cert.signatureValue.valueBlock.valueHexView).toString('hex'),
  };
}

async function sampleFields(notBefore = new Date(Date.UTC(2026, 0, 5, 8, 30, 15, 999))): Promise<AgentCertificateFields> {
  const keys = await generateEd25519();
  return { guid: crypto.randomUUID(), publicKeySpki: await publicKeySpki(keys.publicKey), serial: randomSerial(), notBefore, notAfter: new Date(notBefore.getTime() + 14 * 86_400_000) };
}

function openssl(args: string[]): { exitCode: number; output: string } {
  const result = Bun.spawnSync(['openssl', ...args], { stdout: 'pipe', stderr: 'pipe' });
  return { exitCode: result.exitCode, output: result.stdout.toString() + result.stderr.toString() };
}

beforeAll(async () => {
  caKeys = await generateP256();
  caDer = await buildCertificate(
    {
      subjectCn: CA_CN,
      subjectPublicKey: await publicKeyInfoOf(caKeys.publicKey),
      issuer: 'self',
      notBefore: new Date(Date.UTC(2025, 0, 1)),
      notAfter: new Date(Date.UTC(2049, 0, 1)),
      isCa: true,
      keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyCertSign, KeyUsage.cRLSign],
    },
    caKeys.privateKey,
  );
  write = agentCertificateWriter({ cn: CA_CN, spki: await publicKeySpki(caKeys.publicKey), privateKey: caKeys.privateKey });
});

describe('the agent certificate template', () => {
  test('ok: byte for byte what pkijs builds for the same fields, all but the (randomised ECDSA) signature', async () => {
    for (let round = 0; round < 20; round++) {
      const fields = await sampleFields(new Date(Date.UTC(2026, round % 12, 1 + round, round, 59, 59)));
      const ours = parts(write(fields));
      const reference = parts(await pkijsBuilt(fields));
      expect(ours.tbs).toBe(reference.tbs);
      expect(ours.algorithm).toBe(reference.algorithm);
      expect(ours.signature).not.toBe(reference.signature);
    }
  });

  test('ok: pkijs reads back the fields written and verifies the signature against the CA', async () => {
    const fields = await sampleFields();
    const info = parseCertDer(write(fields));
    expect(info.subjectCn).toBe(agentCn(fields.guid));
    expect(info.issuerCn).toBe(CA_CN);
    expect(info.serialHex).toBe(Buffer.from(fields.serial).toString('hex'));
    expect([info.notBefore.getTime(), info.notAfter.getTime()]).toEqual([Math.floor(fields.notBefore.getTime() / 1000) * 1000, fields.notAfter.getTime() - 999]);
    expect(Buffer.from(info.publicKeySpki).equals(Buffer.from(fields.publicKeySpki))).toBe(true);
    expect(await isSignedBy(info, parseCertDer(caDer))).toBe(true);
  });

  test('ok: openssl verifies it against the CA for TLS server and client use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcvix-template-'));
    writeFileSync(join(dir, 'ca.pem'), toPem(caDer, 'CERTIFICATE'));
    writeFileSync(join(dir, 'agent.pem'), toPem(write(await sampleFields(new Date())), 'CERTIFICATE'));
    for (const purpose of ['sslserver', 'sslclient']) {
      expect(openssl(['verify', '-purpose', purpose, '-CAfile', join(dir, 'ca.pem'), join(dir, 'agent.pem')]).output.trim()).toBe(`${join(dir, 'agent.pem')}: OK`);
    }
  });

  test('ok: a validity past 2049 is written as GeneralizedTime, as RFC 5280 wants, and openssl reads it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dcvix-template-')), 'late.pem');
    writeFileSync(file, toPem(write(await sampleFields(new Date(Date.UTC(2049, 11, 25, 12)))), 'CERTIFICATE'));
    expect(openssl(['x509', '-in', file, '-noout', '-startdate', '-enddate']).output.trim()).toBe('notBefore=Dec 25 12:00:00 2049 GMT\nnotAfter=Jan  8 12:00:00 2050 GMT');
    expect(openssl(['asn1parse', '-in', file]).output).toMatch(/UTCTIME\s+:491225120000Z[\s\S]*GENERALIZEDTIME\s+:20500108120000Z/);
  });

  test('rejects: a serial that is not a positive, minimal integer, and a key that is not SPKI DER', async () => {
    const fields = await sampleFields();
    for (const serial of [Uint8Array.of(0x80, 1), Uint8Array.of(0), Uint8Array.of(0, 0x7f), new Uint8Array(0)]) expect(() => write({ ...fields, serial })).toThrow('serial');
    expect(() => write({ ...fields, publicKeySpki: Uint8Array.of(0x30, 0x05, 1) })).toThrow();
    expect(() => write({ ...fields, publicKeySpki: Uint8Array.of(...fields.publicKeySpki, 0) })).toThrow('SubjectPublicKeyInfo');
  });
});
