import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertPem } from '../../director/ca/cert-info.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { approveAgent, startAgent, startDirector, TEST_USERS, type AgentHandle, type DirectorHandle } from '../helpers/dcvix.ts';
import { mulberry32, SimAgent, pool } from '../helpers/hostile.ts';
import { call, login } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * Crash safety with kill -9. The director dies in the middle of a burst of registrations, approvals,
 * certificate issues and revocations and comes back on the same data dir: agents.db opens and passes
 * SQLite's integrity check, the CA is the same, everything the director acknowledged is there, and
 * every row is consistent. An agent killed at random moments while it renews every 100 ms always
 * leaves a certificate that verifies against its CA and matches its key, and restarts without a new
 * approval.
 */
const ROUNDS = 3;
const PER_ROUND = 30;
const seed = mulberry32(0xc4a54);

let dir: string;
let director: DirectorHandle;
let admin: string;
let fingerprint: string;
const veterans: SimAgent[] = [];

/** What the director acknowledged to a client: it must survive the crash. */
interface Acked {
  agent: SimAgent;
  pending: boolean;
  approved: boolean;
  serial?: string;
  revoked: boolean;
}

async function start(): Promise<void> {
  director = await startDirector({ dir });
  admin = await login(director.url, director.caPem, 'admin', TEST_USERS.admin!, 'admin');
}

async function rows(): Promise<Record<string, any>[]> {
  const r = await call(`${director.url}/v1/admin/agents`, { ca: director.caPem, cookie: admin });
  if (r.status !== 200) throw new Error(`agents: ${r.status} ${r.text}`);
  return r.json.agents;
}

beforeAll(async () => {
  dir = tempDir('dcvix-crash-');
  await start();
  fingerprint = (await director.proc.waitForMsg('CA ready')).fingerprintSha256;
  for (let i = 0; i < 8; i++) veterans.push(await SimAgent.create(`veteran-${i}`));
  await pool(veterans, 4, (a) => a.enrol(director, admin));
}, 60_000);

afterAll(async () => {
  await director?.stop();
  cleanupTempDirs();
});

describe('director killed with SIGKILL mid-burst', () => {
  for (let round = 0; round < ROUNDS; round++) {
    test(`ok: round ${round + 1}: after kill -9 and restart, acknowledged work is durable and rows are consistent`, async () => {
      const fresh = await Promise.all(Array.from({ length: PER_ROUND }, (_, i) => SimAgent.create(`burst-${round}-${i}`)));
      const acked: Acked[] = fresh.map((agent) => ({ agent, pending: false, approved: false, revoked: false }));
      const url = director.url;
      const ca = director.caPem;
      const cookie = admin;
      // Kill at a random acknowledgement (of ~3 per agent), with the rest of the burst in flight.
      const target = 5 + Math.floor(seed() * (PER_ROUND * 3 - 20));
      let events = 0;
      const kill = () => {
        if (director.proc.proc.exitCode === null && !director.proc.proc.killed) director.proc.proc.kill('SIGKILL');
      };
      const ack = () => {
        if (++events >= target) kill();
      };

      await pool(acked, 8, async (a, i) => {
        try {
          const r1 = await a.agent.register({ url, caPem: ca });
          if (r1.json?.error?.code !== 'AGENT_PENDING') return;
          a.pending = true;
          ack();
          const ok = await call(`${url}/v1/admin/agents/${a.agent.guid}/approve`, { method: 'POST', ca, cookie });
          if (ok.status !== 200) return;
          a.approved = true;
          ack();
          const r2 = await a.agent.register({ url, caPem: ca });
          if (r2.status !== 200) return;
          a.serial = parseCertPem(r2.json.certificate).serialHex;
          ack();
          if (i % 5 === 0) {
            const rv = await call(`${url}/v1/admin/agents/${a.agent.guid}/revoke`, { method: 'POST', ca, cookie });
            if (rv.status === 200) a.revoked = true;
          }
        } catch {
          // The director died under this request: nothing was acknowledged.
        }
      });
      kill();
      await director.proc.exited;
      const done = acked.filter((a) => a.serial).length;

      await start();
      expect((await director.proc.waitForMsg('CA ready')).fingerprintSha256).toBe(fingerprint);
      const all = await rows();
      const byGuid = new Map(all.map((r) => [r.guid, r]));

      for (const r of all) {
        const what = `${r.hostname} ${r.state}`;
        expect(['pending', 'registered', 'revoked'], what).toContain(r.state);
        if (r.state !== 'pending') expect(typeof r.approvedAt === 'string' && typeof r.approvedBy === 'string', `${what}: approval recorded`).toBe(true);
        if (r.state === 'revoked') expect(typeof r.revokedAt, `${what}: revocation time`).toBe('string');
        expect(r.certSerial === null, `${what}: serial and expiry together`).toBe(r.certNotAfter === null);
        if (r.certSerial) expect(r.state === 'pending', `${what}: a certificate only after approval`).toBe(false);
      }
      for (const a of acked) {
        const row = byGuid.get(a.agent.guid);
        const what = `${a.agent.hostname} acked ${JSON.stringify({ pending: a.pending, approved: a.approved, serial: !!a.serial, revoked: a.revoked })} row ${row?.state}`;
        if (a.pending) expect(row, what).toBeDefined();
        if (a.approved) expect(['registered', 'revoked'], what).toContain(row?.state);
        if (a.serial) expect(row?.certSerial, what).toBe(a.serial);
        if (a.revoked) expect(row?.state, what).toBe('revoked');
        if (a.serial && !a.revoked && row?.state === 'registered') expect((await a.agent.update(director.url)).status, `${what}: its certificate still works`).toBe(200);
      }
      for (const v of veterans) {
        expect(byGuid.get(v.guid)?.state).toBe('registered');
        expect((await v.update(director.url)).status).toBe(200);
      }
      // Not a no-op: the kill landed after some work and before all of it.
      expect(acked.some((a) => a.pending)).toBe(true);
      expect(done).toBeLessThan(PER_ROUND);
      if (process.env.DCVIX_HOSTILE_DEBUG) console.error(`round ${round + 1}: killed at acknowledgement ${target}, ${done}/${PER_ROUND} certificates acknowledged`);

      const db = new Database(join(dir, 'data', 'agents.db'), { readonly: true });
      try {
        expect(db.query<{ integrity_check: string }, []>('PRAGMA integrity_check').get()?.integrity_check).toBe('ok');
      } finally {
        db.close();
      }
    }, 60_000);
  }
});

describe('agent killed with SIGKILL while renewing', () => {
  let agent: AgentHandle;
  const config = { renew_interval: '100ms', renew_retry_interval: '100ms', update_interval: '1s', idle_timeout: 0, hostname: 'ws-renew-crash' };

  async function expectPairOnDisk(dataDir: string, guid: string): Promise<void> {
    const crt = join(dataDir, 'agent.crt');
    const verify = await run(['openssl', 'verify', '-CAfile', join(dataDir, 'ca.pem'), crt], { allowFail: true });
    expect(`${verify.stdout}${verify.stderr}`.trim()).toBe(`${crt}: OK`);
    const fromCert = (await run(['openssl', 'x509', '-in', crt, '-noout', '-pubkey'])).stdout;
    const fromKey = (await run(['openssl', 'pkey', '-in', join(dataDir, 'agent.key'), '-pubout'])).stdout;
    expect(fromCert).toBe(fromKey);
    expect(parseCertPem(readFileSync(crt, 'utf8')).subjectCn).toBe(agentCn(guid));
  }

  afterAll(async () => {
    await agent?.stop();
  });

  test('ok: six kills at random moments; every time a valid pair, and no re-approval on restart', async () => {
    agent = await startAgent(director.url, { config });
    const { guid } = await approveAgent(director, agent);
    const dataDir = agent.dataDir;
    let renewals = 0;
    for (let i = 0; i < 6; i++) {
      await agent.proc.waitForMsg('certificate renewed', 10_000);
      await Bun.sleep(20 + Math.floor(seed() * 300));
      renewals += agent.proc.count('certificate renewed');
      agent.proc.proc.kill('SIGKILL');
      await agent.proc.exited;
      await expectPairOnDisk(dataDir, guid);
      expect(readFileSync(join(dataDir, 'agent.guid'), 'utf8').trim()).toBe(guid);
      agent = await startAgent(director.url, { dir: agent.dir, config });
      await agent.port();
      expect(agent.proc.count('registration pending approval')).toBe(0);
    }
    expect(renewals).toBeGreaterThan(6);
    // A kill between writing the temp file and renaming it leaves the temp file behind (see below).
    const stray = readdirSync(dataDir).filter((f) => f.includes('.tmp-'));
    if (process.env.DCVIX_HOSTILE_DEBUG) console.error(`stray temp files after kills: ${stray.join(', ')}`);
    const row = (await rows()).find((r) => r.guid === guid);
    expect(row?.state).toBe('registered');
  }, 90_000);

  test('ok: temp files left by a write the kill interrupted are removed at start-up', async () => {
    await agent.stop();
    // What writeFileAtomic leaves when killed between open() and rename().
    const stray = join(agent.dataDir, 'agent.crt.tmp-99999-abcdef');
    writeFileSync(stray, '-----BEGIN CERTIFICATE-----\nhalf');
    agent = await startAgent(director.url, { dir: agent.dir, config });
    await agent.port();
    expect(readdirSync(agent.dataDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 30_000);
});
