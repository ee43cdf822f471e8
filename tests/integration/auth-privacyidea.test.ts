import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../shared/log.ts';
import { createPrivacyIdeaVerifier } from '../../director/otp/privacyidea.ts';
import { selfSignedCert } from '../helpers/slapd.ts';

/**
 * A stand-in for PrivacyIDEA's POST /validate/check: user "alice" in realm "staff" with OTP 123456;
 * user "broken" gets a server error envelope; user "slow" never answers in time.
 */
function standIn(req: Request, seen: Record<string, unknown>[]): Response | Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname !== '/validate/check' || req.method !== 'POST') return new Response('no', { status: 404 });
  return req.json().then(async (body: Record<string, unknown>) => {
    seen.push(body);
    if (body.user === 'broken') return Response.json({ result: { status: false, error: { code: 905, message: 'ERR905' } } }, { status: 400 });
    if (body.user === 'slow') await Bun.sleep(2000);
    const ok = body.user === 'alice' && body.pass === '123456' && body.realm === 'staff';
    return Response.json({ result: { status: true, value: ok, authentication: ok ? 'ACCEPT' : 'REJECT' }, detail: {} });
  });
}

describe('privacyidea verifier against a stand-in server', () => {
  const seen: Record<string, unknown>[] = [];
  let dir: string;
  let http: ReturnType<typeof Bun.serve>;
  let https: ReturnType<typeof Bun.serve>;
  let caFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dcvix-pi-'));
    const { cert, key } = await selfSignedCert(dir);
    caFile = cert;
    http = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (r) => standIn(r, seen) });
    https = Bun.serve({ hostname: '127.0.0.1', port: 0, tls: { cert: Bun.file(cert), key: Bun.file(key) }, fetch: (r) => standIn(r, seen) });
  }, 30_000);
  afterAll(() => {
    http?.stop(true);
    https?.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });

  const pi = (url: string, over: Partial<{ realm: string; ca_file: string; timeout: number }> = {}) =>
    createPrivacyIdeaVerifier({ url, realm: 'staff', ca_file: '', timeout: 1000, ...over }, silentLogger);

  test('ok: value true accepts, with user, pass and realm sent', async () => {
    expect(await pi(`http://127.0.0.1:${http.port}`).verify('alice', '123456')).toBe(true);
    expect(seen.at(-1)).toEqual({ user: 'alice', pass: '123456', realm: 'staff' });
  });

  test('rejects: value false, wrong realm, error envelope', async () => {
    expect(await pi(`http://127.0.0.1:${http.port}`).verify('alice', '000000')).toBe(false);
    expect(await pi(`http://127.0.0.1:${http.port}`, { realm: 'other' }).verify('alice', '123456')).toBe(false);
    expect(await pi(`http://127.0.0.1:${http.port}`).verify('broken', '123456')).toBe(false);
  });

  test('rejects: no answer within the timeout', async () => {
    const started = performance.now();
    expect(await pi(`http://127.0.0.1:${http.port}`, { timeout: 200 }).verify('slow', '123456')).toBe(false);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  test('ok: https with the CA file; rejects without it', async () => {
    const url = `https://127.0.0.1:${https.port}/`;
    expect(await pi(url, { ca_file: caFile }).verify('alice', '123456')).toBe(true);
    expect(await pi(url).verify('alice', '123456')).toBe(false);
    expect((await pi(url, { ca_file: caFile }).health!()).ok).toBe(true);
  });
});
