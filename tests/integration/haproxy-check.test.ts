/**
 * The shipped haproxy.cfg's health check against a director that is slow to answer `/v1/health` (1.5 s,
 * as a loaded one may be): the check waits for the answer and the director stays UP. The stand-in
 * director is the real TLS server with the PROXY v2 front (HAProxy's checks send PROXY LOCAL), holding
 * a certificate for `localhost` from a throwaway CA.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { startSecureServer, type SecureServer } from '../../shared/http/secure-server.ts';
import { startHaproxy, type Haproxy } from '../helpers/haproxy.ts';
import { eventually } from '../helpers/https.ts';
import { selfSignedCert } from '../helpers/slapd.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

// Well past the old 500 ms check time-out, and well inside the 3 s one even on a busy machine.
const SLOW_MS = 1200;
let director: SecureServer;
let lb: Haproxy;
let healthChecks = 0;

describeWith(['haproxy'], 'HAProxy health check of a slow director', () => {
  beforeAll(async () => {
    const dir = tempDir('dcvix-lb-check-');
    const { cert, key } = await selfSignedCert(dir, { cn: 'localhost', san: 'DNS:localhost' });
    const pem = readFileSync(cert, 'utf8');
    director = await startSecureServer({
      host: '127.0.0.1',
      port: 0,
      tls: { cert: pem, key: readFileSync(key, 'utf8'), ca: pem },
      maxBodyBytes: 1024,
      handle: async () => {
        healthChecks++;
        await Bun.sleep(SLOW_MS);
        return Response.json({ status: 'ok' });
      },
      proxy: { isTrusted: (address) => address === '127.0.0.1' },
    });
    lb = await startHaproxy({ directorPorts: [director.port, director.port], caFile: cert });
  });
  afterAll(async () => {
    await lb?.stop();
    await director?.close();
    cleanupTempDirs();
  });

  test(`ok: a director answering its health check after ${SLOW_MS} ms stays UP, no check failed`, async () => {
    // Wait for the first check that finished, by success (its duration is the slow answer) or failure.
    const outcome = await eventually(
      async () => {
        const failed = Number(await lb.stat('director-a', 'chkfail'));
        const took = Number(await lb.stat('director-a', 'check_duration'));
        if (failed > 0) return `failed: ${await lb.stat('director-a', 'check_status')} ${await lb.stat('director-a', 'last_chk')} after ${took} ms`;
        return took >= SLOW_MS ? took : undefined;
      },
      15_000,
      'a completed health check',
    );
    expect(outcome).toBeGreaterThanOrEqual(SLOW_MS);
    expect(await lb.stat('director-a', 'check_status')).toBe('L7OK');
    expect(await lb.status('director-a')).toStartWith('UP');
    expect(healthChecks).toBeGreaterThan(0);
  });
});
