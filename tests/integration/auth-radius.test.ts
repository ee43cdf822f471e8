import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createSocket } from 'node:dgram';
import { applySchema } from '../../shared/config-schema.ts';
import { silentLogger } from '../../shared/log.ts';
import { authSchema } from '../../director/config/auth-schema.ts';
import { createRadiusAuthenticator } from '../../director/auth/radius.ts';
import { freeUdpPort, startFreeRadius, type FreeRadius } from '../helpers/freeradius.ts';
import { describeWith } from '../helpers/system-packages.ts';

const radiusConfig = (over: Record<string, unknown>) => applySchema(authSchema.section, { radius: over }, 'test.conf').radius;

describeWith(['freeradius'], 'radius backend against a real freeradius', () => {
  let fr: FreeRadius;
  let radius: (over?: Record<string, unknown>) => ReturnType<typeof createRadiusAuthenticator>;
  beforeAll(async () => {
    fr = await startFreeRadius();
    radius = (over = {}) => createRadiusAuthenticator(radiusConfig({ servers: [`127.0.0.1:${fr.port}`], secret: fr.secret, timeout: '300ms', retries: 1, ...over }), silentLogger);
  }, 30_000);
  afterAll(async () => {
    await fr?.stop();
  });

  test('ok: Access-Accept for the right password', async () => {
    expect(await radius().authenticate({ username: 'alice', password: 'alice-pw', clientAddress: '192.0.2.7' })).toEqual({ kind: 'ok', backend: 'radius', username: 'alice', groups: [] });
  });

  test('rejects: Access-Reject for a wrong password and for an unknown user', async () => {
    expect(await radius().authenticate({ username: 'alice', password: 'bob-pw' })).toMatchObject({ kind: 'reject', reason: 'rejected' });
    expect(await radius().authenticate({ username: 'mallory', password: 'x' })).toMatchObject({ kind: 'reject', reason: 'rejected' });
  });

  test('ok: Access-Challenge, then the OTP with the State', async () => {
    const authenticator = radius();
    const first = await authenticator.authenticate({ username: 'carol', password: 'carol-pw' });
    expect(first).toEqual({ kind: 'challenge', backend: 'radius', expected: ['otp'], message: 'Enter OTP', state: Buffer.from('otp-step-2').toString('base64') });
    const state = first.kind === 'challenge' ? first.state : undefined;
    expect(await authenticator.authenticate({ username: 'carol', password: '', otp: '123456', challengeState: state })).toMatchObject({ kind: 'ok', username: 'carol' });
    expect(await authenticator.authenticate({ username: 'carol', password: '', otp: '654321', challengeState: state })).toMatchObject({ kind: 'reject' });
  });

  test('rejects: a wrong shared secret times out after the retries, quickly', async () => {
    const started = performance.now();
    const result = await radius({ secret: 'not-the-secret', timeout: '150ms', retries: 1 }).authenticate({ username: 'alice', password: 'alice-pw' });
    const ms = performance.now() - started;
    expect(result).toMatchObject({ kind: 'reject', reason: 'no RADIUS server answered' });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(1500);
  });

  test('ok: a dead first server is skipped for the next one', async () => {
    const dead = await freeUdpPort();
    const authenticator = radius({ servers: [`127.0.0.1:${dead}`, `127.0.0.1:${fr.port}`], timeout: '100ms', retries: 0 });
    expect(await authenticator.authenticate({ username: 'bob', password: 'bob-pw' })).toMatchObject({ kind: 'ok' });
  });

  test('rejects: a forged reply (not signed with the secret) is ignored', async () => {
    // A fake server answering every request with a bogus Access-Accept of the right identifier.
    const fake = createSocket('udp4');
    await new Promise<void>((resolve) => fake.bind(0, '127.0.0.1', resolve));
    fake.on('message', (msg, rinfo) => {
      const reply = Buffer.alloc(20);
      reply[0] = 2; // Access-Accept
      reply[1] = msg[1]!;
      reply.writeUInt16BE(20, 2);
      fake.send(reply, rinfo.port, rinfo.address);
    });
    try {
      const authenticator = radius({ servers: [`127.0.0.1:${fake.address().port}`], timeout: '150ms', retries: 0 });
      expect(await authenticator.authenticate({ username: 'alice', password: 'anything' })).toMatchObject({ kind: 'reject', reason: 'no RADIUS server answered' });
    } finally {
      fake.close();
    }
  });
});
