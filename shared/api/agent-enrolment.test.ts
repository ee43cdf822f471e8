import { describe, expect, test } from 'bun:test';
import * as wire from '../../tests/fixtures/go-dcvix/wire.ts';
import { ApiError } from '../errors.ts';
import { AnyIssuedCertificate, IssuedCertificate, RegisterBody, RenewBody } from './agent-enrolment.ts';
import { firstMismatch, matches, readBody } from './model-check.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const guid = '3f2a9c1d-7b4e-4c2a-9d1e-0a1b2c3d4e5f';

/** The 400 code readBody answers `body` with, or undefined when it reads it. */
function codeOf(model: Parameters<typeof readBody>[0], body: unknown): string | undefined {
  try {
    readBody(model, body);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).code;
  }
}

describe('registration and renewal bodies', () => {
  test("ok: our agent's and the Go agent's bodies, unknown keys ignored", () => {
    for (const body of [{ guid, hostname: 'ws1', csr: 'MIIB' }, wire.registerRequest('MIIB', guid, 'WS-01.example.com'), { guid, hostname: 'ws1', csr: 'MIIB', os: 'linux' }]) {
      expect({ body, ok: matches(RegisterBody, body) }).toEqual({ body, ok: true });
    }
    expect(matches(RenewBody, wire.renewRequest('MIIB'))).toBe(true);
  });

  test('rejects: each bad field with the code the route answers for it', () => {
    const body = { guid, hostname: 'ws1', csr: 'MIIB' };
    expect(codeOf(RegisterBody, { ...body, hostname: 'bad host;name' })).toBe('INVALID_HOSTNAME');
    expect(codeOf(RegisterBody, { ...body, hostname: undefined })).toBe('INVALID_HOSTNAME');
    expect(codeOf(RegisterBody, { ...body, guid: '' })).toBe('INVALID_GUID');
    expect(codeOf(RegisterBody, { ...body, csr: 'x'.repeat(8193) })).toBe('INVALID_CSR_ENCODING');
    expect(codeOf(RegisterBody, 'x')).toBe('INVALID_BODY');
    expect(codeOf(RenewBody, {})).toBe('INVALID_CSR_ENCODING');
  });
});

describe('the issued certificate', () => {
  const ours = { certificate: PEM, caCertificate: PEM, ca: PEM, agentId: guid, notAfter: '2026-03-15T08:00:00.000Z', renewalIntervalSeconds: 43200 };

  test("ok: our director's answer is the model; our agent also reads the Go director's register and renew answers", () => {
    expect([matches(IssuedCertificate, ours), matches(AnyIssuedCertificate, ours)]).toEqual([true, true]);
    for (const answer of [wire.registerAnswer(PEM, PEM, guid), wire.renewAnswer(PEM)]) {
      // The Go director leaves out caCertificate and notAfter (and the CA on renew): not our director's answer, still one our agent takes.
      expect({ answer, ours: matches(IssuedCertificate, answer), read: matches(AnyIssuedCertificate, answer) }).toEqual({ answer, ours: false, read: true });
    }
  });

  test('rejects: an answer without a certificate, or with a field of the wrong type, naming the field', () => {
    const cases: [unknown, string][] = [
      [{ ca: PEM }, '/certificate'],
      [{ ...ours, certificate: '' }, '/certificate'],
      [{ ...ours, certificate: 42 }, '/certificate'],
      [{ ...ours, renewalIntervalSeconds: '43200' }, '/renewalIntervalSeconds'],
      [{ ...ours, notAfter: 'soon' }, '/notAfter'],
      [[ours], ''],
    ];
    for (const [answer, path] of cases) expect({ answer, path: firstMismatch(AnyIssuedCertificate, answer)?.path }).toEqual({ answer, path });
  });
});
