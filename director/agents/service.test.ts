import { expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { issuedCa } from '../../agent/director-client.ts';
import { createCsr } from '../../agent/identity/ed25519-csr.ts';
import { AnyIssuedCertificate, IssuedCertificate } from '../../shared/api/agent-enrolment.ts';
import { matches } from '../../shared/api/model-check.ts';
import { generateEd25519 } from '../../shared/pki/keys.ts';
import { agentCn } from '../../shared/pki/names.ts';
import type { AuditEvent } from '../audit/types.ts';
import { openAuthority } from '../ca/authority.ts';
import { openDatabase } from '../store/db.ts';
import { testAgentService } from '../../tests/helpers/agent-service.ts';
import type { AgentService } from './service.ts';
import { SqliteAgentStore } from './store.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function setup(maxPending?: number, reissueToKnownKey?: boolean) {
  const clock = new FakeClock(Date.now());
  const ca = await openAuthority({ dataDir: mkdtempSync(join(tmpdir(), 'dcvix-ca-')), hostnames: [], clock });
  const events: AuditEvent[] = [];
  const audit = { record: (e: AuditEvent) => void events.push(e), list: async () => [] };
  const service = testAgentService(new SqliteAgentStore(openDatabase(':memory:')), ca, clock, audit, {
    ...(maxPending !== undefined ? { maxPending } : {}),
    ...(reissueToKnownKey !== undefined ? { reissueToKnownKey } : {}),
  });
  return { clock, service, events };
}

async function registration(guid = crypto.randomUUID(), keys?: Awaited<ReturnType<typeof generateEd25519>>) {
  keys ??= await generateEd25519();
  const csr = Buffer.from(await createCsr(keys, agentCn(guid))).toString('base64');
  return { guid, hostname: 'ws1', csr, remoteAddress: '127.0.0.1' };
}

test('ok: housekeeper removes pending registrations older than the limit, keeps the rest', async () => {
  const { clock, service } = await setup();
  const old = await registration();
  await service.register(old).catch(() => {});
  clock.advance(8 * 86_400_000);
  const fresh = await registration();
  await service.register(fresh).catch(() => {});
  expect(await service.purgeStalePending(7 * 86_400_000)).toBe(1);
  expect((await service.list('pending')).map((a) => a.guid)).toEqual([fresh.guid]);
});

test('ok: approval can pin the CSR fingerprint the admin reviewed; audit records it', async () => {
  const { service, events } = await setup();
  const fresh = await registration();
  await service.register(fresh).catch(() => {});
  const pending = (await service.get(fresh.guid))!;
  await expect(service.approve(fresh.guid, 'admin', 'AA:BB')).rejects.toMatchObject({ code: 'FINGERPRINT_MISMATCH' });
  expect((await service.approve(fresh.guid, 'admin', pending.csrFingerprint)).state).toBe('registered');
  expect(events.map((e) => e.type)).toEqual(['agent.approve']);
  const issued = await service.register(fresh);
  expect(issued.certificate).toContain('BEGIN CERTIFICATE');
  expect(issued.agentId).toBe(fresh.guid);
});

test('rejects: deny and revoke only from the right states', async () => {
  const { service } = await setup();
  const fresh = await registration();
  await service.register(fresh).catch(() => {});
  await expect(service.revoke(fresh.guid, 'admin')).rejects.toMatchObject({ code: 'INVALID_STATE' });
  await service.deny(fresh.guid, 'admin');
  expect(await service.get(fresh.guid)).toBeUndefined();
  await expect(service.approve('not-a-guid', 'admin')).rejects.toMatchObject({ code: 'INVALID_GUID' });
});

test('rejects: registrations beyond max_pending_agents get 429 and write nothing', async () => {
  const { service: limited } = await setup(2);
  for (let attempt = 0; attempt < 2; attempt++) await limited.register(await registration()).catch(() => {});
  await expect(limited.register(await registration())).rejects.toMatchObject({ status: 429, code: 'TOO_MANY_PENDING' });
  expect(await limited.list('pending')).toHaveLength(2);
});

test("rejects: a second agent cannot be approved under a registered agent's host name", async () => {
  const { service } = await setup();
  const first = await registration();
  await service.register(first).catch(() => {});
  await service.approve(first.guid, 'admin');
  const twin = await registration();
  await expect(service.register(twin)).rejects.toMatchObject({ code: 'AGENT_PENDING' });
  await expect(service.approve(twin.guid, 'admin')).rejects.toMatchObject({ status: 409, code: 'HOSTNAME_TAKEN' });
  expect((await service.get(twin.guid))?.state).toBe('pending');
  await service.revoke(first.guid, 'admin');
  expect((await service.approve(twin.guid, 'admin')).state).toBe('registered');
});

/** Registered and collected its certificate; returns the registration (same key) to send again. */
async function registeredAgent(service: AgentService) {
  const keys = await generateEd25519();
  const fresh = await registration(crypto.randomUUID(), keys);
  await service.register(fresh).catch(() => {});
  await service.approve(fresh.guid, 'admin');
  await service.register(fresh);
  return { r: await registration(fresh.guid, keys), keys };
}

const DAY = 86_400_000;

test('ok: a registered agent registering again with the same key while its certificate is valid gets a fresh one at once, audited as a reissue', async () => {
  const { service, events, clock } = await setup();
  const { r: registration } = await registeredAgent(service);
  const first = (await service.get(registration.guid))!;
  clock.advance(13 * DAY);
  const issued = await service.register(registration);
  expect(issued.certificate).toContain('BEGIN CERTIFICATE');
  expect(Date.parse(issued.notAfter)).toBe(clock.now() + 14 * DAY);
  expect(await service.get(registration.guid)).toMatchObject({ state: 'registered', returning: false, mayCollect: false, certNotAfter: clock.now() + 14 * DAY });
  expect((await service.get(registration.guid))!.certSerial).not.toBe(first.certSerial);
  expect(events.map((e) => e.type)).toEqual(['agent.approve', 'agent.reissue']);
  expect(events[1]).toMatchObject({ target: registration.guid, clientAddress: '127.0.0.1', outcome: 'success' });
  expect(events[1]!.detail).toContain('re-issued without approval');
  // The new certificate counts from now: 13 more days on, the agent still needs no approval.
  clock.advance(13 * DAY);
  expect((await service.register(registration)).agentId).toBe(registration.guid);
});

test('ok: a registered agent registering again with the same key after its certificate expired is pending again, shown as returning, until approved', async () => {
  const { service, events, clock } = await setup();
  const { r: registration } = await registeredAgent(service);
  clock.advance(14 * DAY + 1);
  await expect(service.register(registration)).rejects.toMatchObject({ status: 403, code: 'AGENT_PENDING' });
  expect(await service.get(registration.guid)).toMatchObject({ state: 'pending', returning: true });
  expect(events.map((e) => e.type)).toEqual(['agent.approve', 'agent.returning']);
  // Asking again changes nothing; the hourly cleanup does not forget a returning agent.
  await expect(service.register(registration)).rejects.toMatchObject({ code: 'AGENT_PENDING' });
  clock.advance(8 * DAY);
  expect(await service.purgeStalePending(7 * DAY)).toBe(0);
  await service.approve(registration.guid, 'admin');
  expect(await service.get(registration.guid)).toMatchObject({ state: 'registered', returning: false });
  expect((await service.register(registration)).agentId).toBe(registration.guid);
});

test('rejects: a revoked agent registering with its key while its certificate would still be valid', async () => {
  const { service, events } = await setup();
  const { r: registration } = await registeredAgent(service);
  await service.revoke(registration.guid, 'admin');
  await expect(service.register(registration)).rejects.toMatchObject({ status: 403, code: 'AGENT_REVOKED' });
  expect(await service.get(registration.guid)).toMatchObject({ state: 'revoked' });
  expect(events.map((e) => e.type)).toEqual(['agent.approve', 'agent.revoke']);
});

test('rejects: another key for a registered GUID with a valid certificate is parked for the admin (409), never re-issued', async () => {
  const { service, events } = await setup();
  const { r: mine, keys } = await registeredAgent(service);
  const before = (await service.get(mine.guid))!;
  const other = await registration(mine.guid);
  await expect(service.register(other)).rejects.toMatchObject({ status: 409, code: 'AGENT_KEY_MISMATCH' });
  const after = (await service.get(mine.guid))!;
  expect(after).toMatchObject({ state: 'registered', certSerial: before.certSerial, publicKey: before.publicKey });
  expect(after.conflictPublicKey).not.toBeNull();
  expect(events.map((e) => e.type)).toEqual(['agent.approve']);
  // The registered key itself is still re-issued.
  expect((await service.register(await registration(mine.guid, keys))).agentId).toBe(mine.guid);
});

test('ok: with reissue_to_known_key the same key gets a certificate at once even after expiry (the old behaviour)', async () => {
  const { service, clock, events } = await setup(undefined, true);
  const { r: registration } = await registeredAgent(service);
  clock.advance(15 * DAY);
  expect((await service.register(registration)).certificate).toContain('BEGIN CERTIFICATE');
  expect(await service.get(registration.guid)).toMatchObject({ state: 'registered', returning: false });
  expect(events.map((e) => e.type)).toEqual(['agent.approve', 'agent.reissue']);
  expect(events[1]!.detail).toContain('reissue_to_known_key');
});

test("rejects: a returning agent's old certificate no longer authenticates while it waits", async () => {
  const { service, clock } = await setup();
  const { r: registration } = await registeredAgent(service);
  clock.advance(15 * DAY);
  await service.register(registration).catch(() => {});
  await expect(service.authenticateAgent(new Uint8Array([1]), `dcvix-agent-${registration.guid}`)).rejects.toMatchObject({ code: 'AGENT_NOT_REGISTERED' });
});

test('ok: register and renew answer by the IssuedCertificate model, and our agent reads that answer (AnyIssuedCertificate)', async () => {
  const { service } = await setup();
  const { r: registration } = await registeredAgent(service);
  const issued = await service.register(registration);
  const renewed = await service.renew({ guid: registration.guid, hostname: registration.hostname }, registration.csr);
  for (const answer of [issued, renewed].map((value) => JSON.parse(JSON.stringify(value)))) {
    expect([matches(IssuedCertificate, answer), matches(AnyIssuedCertificate, answer), issuedCa(answer)]).toEqual([true, true, answer.caCertificate]);
  }
});

test('rejects: a certificate made while the agent was revoked is dropped, never handed out (AGENT_REVOKED)', async () => {
  const clock = new FakeClock(Date.now());
  const ca = await openAuthority({ dataDir: mkdtempSync(join(tmpdir(), 'dcvix-ca-')), hostnames: [], clock });
  const store = new SqliteAgentStore(openDatabase(':memory:'));
  const audit = { record: () => {}, list: async () => [] };
  const service = testAgentService(store, ca, clock, audit, {});
  const agent = await registration();
  await service.register(agent).catch(() => {});
  await service.approve(agent.guid, 'admin');
  // The revoke lands between the checks and the write of the issued certificate.
  const recordIssued = store.recordIssued.bind(store);
  store.recordIssued = async (issued) => {
    await store.revoke(agent.guid, clock.now());
    return recordIssued(issued);
  };
  await expect(service.register(agent)).rejects.toMatchObject({ code: 'AGENT_REVOKED' });
  expect((await store.get(agent.guid))!.certSerial).toBeNull();
});
