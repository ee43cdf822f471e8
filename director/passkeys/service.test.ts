import { describe, expect, test } from 'bun:test';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { FakeClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import type { AuditEvent } from '../audit/types.ts';
import { openDatabase } from '../store/db.ts';
import { reasonOf } from './assertion.ts';
import { createPasskeys } from './service.ts';
import { createSqlitePasskeyStore, type PasskeyRecord } from './store.ts';

/**
 * The passkey service's refusals that come before any signature is checked (the signatures themselves
 * are checked in Chromium with its virtual authenticator: tests/e2e/web-passkeys.test.ts).
 */
function setup(allowPasswordless = false) {
  const clock = new FakeClock();
  const store = createSqlitePasskeyStore(openDatabase(':memory:'));
  const events: AuditEvent[] = [];
  const config = { enabled: true, allow_passwordless: allowPasswordless, user_verification: 'preferred' as const, rp_name: 'Desktops', timeout: 60_000 };
  const passkeys = createPasskeys({ store, audit: { record: (e: AuditEvent) => void events.push(e) } as never, clock, log: silentLogger, config, origin: 'https://desk.example.com' });
  return { clock, store, events, passkeys };
}
const key = (id: string, username: string, userHandle = `h-${username}`): PasskeyRecord => ({ id, username, userHandle, name: id, publicKey: 'AAAA', counter: 3, transports: ['usb'], createdAt: 1 });
const answer = (challengeId: string, id: string, userHandle?: string) => ({
  challengeId,
  response: { id, rawId: id, type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA', userHandle }, clientExtensionResults: {} } as AuthenticationResponseJSON,
});
const reasons = (events: AuditEvent[]) => events.filter((e) => e.outcome === 'failure').map((e) => e.detail);

describe('passkey service', () => {
  test('ok: registration options carry the relying party, the user handle and the passkeys to exclude', async () => {
    const { store, passkeys } = setup(true);
    await store.add(key('k1', 'alice', 'AAECAwQF'));
    const { challengeId, options } = await passkeys.registrationOptions('alice');
    expect(challengeId).toMatch(/^[\w-]{32}$/);
    expect(options).toMatchObject({ rp: { id: 'desk.example.com', name: 'Desktops' }, user: { id: 'AAECAwQF', name: 'alice' }, excludeCredentials: [{ id: 'k1' }] });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required' });
    expect(passkeys.rpID).toBe('desk.example.com');
  });

  test('rejects: a registration answering no challenge, another user\u2019s challenge, or with a bad name', async () => {
    const { passkeys, events } = setup();
    const response = { id: 'x', rawId: 'x', type: 'public-key', response: {}, clientExtensionResults: {} } as unknown as RegistrationResponseJSON;
    const register = (challengeId: string, username: string, name = 'laptop') => passkeys.register({ username, challengeId, name, response, clientAddress: '10.0.0.1' });
    await expect(register('nope', 'alice')).rejects.toMatchObject({ code: 'PASSKEY_CHALLENGE_EXPIRED' });
    const { challengeId } = await passkeys.registrationOptions('alice');
    await expect(register(challengeId, 'bob')).rejects.toMatchObject({ code: 'PASSKEY_CHALLENGE_EXPIRED' });
    // Taken by bob's attempt: gone for alice too.
    await expect(register(challengeId, 'alice')).rejects.toMatchObject({ code: 'PASSKEY_CHALLENGE_EXPIRED' });
    await expect(register('x', 'alice', ' ')).rejects.toMatchObject({ code: 'INVALID_PASSKEY_NAME' });
    const fresh = await passkeys.registrationOptions('alice');
    await expect(register(fresh.challengeId, 'alice')).rejects.toMatchObject({ code: 'PASSKEY_REJECTED' });
    expect(events.map((e) => [e.type, e.actor, e.outcome, e.detail?.replace(/:.*/, '')])).toEqual([
      ['passkey.register', 'alice', 'failure', 'challenge unknown, used or expired'],
      ['passkey.register', 'bob', 'failure', 'challenge unknown, used or expired'],
      ['passkey.register', 'alice', 'failure', 'challenge unknown, used or expired'],
      ['passkey.register', 'alice', 'failure', 'verification failed'],
    ]);
  });

  test('rejects: sign-in answers with a used or foreign challenge, another user\u2019s credential, a wrong user handle, a bad signature', async () => {
    const { store, passkeys, events, clock } = setup(true);
    await store.add(key('alice-key', 'alice'));
    await store.add(key('carol-key', 'carol'));
    expect(await passkeys.loginOffer('bob')).toBeUndefined();
    const offer = (await passkeys.loginOffer('alice'))!;
    expect(offer.options).toMatchObject({ rpId: 'desk.example.com', allowCredentials: [{ id: 'alice-key' }] });
    const refused = (promise: Promise<unknown>) => expect(promise).rejects.toMatchObject({ status: 401, code: 'PASSKEY_REJECTED' });
    await refused(passkeys.verifyLogin(answer(offer.challengeId, 'alice-key'), '10.0.0.1', 'bob'));
    await refused(passkeys.verifyLogin(answer(offer.challengeId, 'alice-key'), '10.0.0.1', 'alice'));
    const second = (await passkeys.loginOffer('alice'))!;
    await refused(passkeys.verifyLogin(answer(second.challengeId, 'carol-key'), '10.0.0.1', 'alice'));
    const open = (await passkeys.loginOffer())!;
    expect(open.options.allowCredentials).toEqual([]);
    await refused(passkeys.verifyLogin(answer(open.challengeId, 'alice-key', 'h-carol'), '10.0.0.1'));
    const again = (await passkeys.loginOffer())!;
    await refused(passkeys.verifyLogin(answer(again.challengeId, 'alice-key', 'h-alice'), '10.0.0.1'));
    const late = (await passkeys.loginOffer())!;
    clock.advance(60_001);
    await refused(passkeys.verifyLogin(answer(late.challengeId, 'alice-key', 'h-alice'), '10.0.0.1'));
    expect(reasons(events)).toEqual([
      'second factor; challenge unknown, used or expired',
      'second factor; challenge unknown, used or expired',
      'second factor; credential of another user',
      'passwordless; user handle does not match the credential',
      expect.stringMatching(/^passwordless; verification failed: /),
      'passwordless; challenge unknown, used or expired',
    ]);
    expect((await store.get('alice-key'))!.counter).toBe(3);
  });

  test('ok: a stale counter is named as such; reset removes every passkey of the user, audited', async () => {
    expect(reasonOf(new Error('Response counter value 2 was lower than expected 5'))).toMatch(/^stale signature counter \(cloned authenticator\?\)/);
    expect(reasonOf('boom')).toBe('verification failed: boom');
    const { store, passkeys, events } = setup();
    await store.add(key('a1', 'alice'));
    await store.add(key('a2', 'alice'));
    expect(await passkeys.reset('admin', 'alice', '10.0.0.9')).toBe(2);
    expect(await passkeys.list('alice')).toEqual([]);
    expect(events).toEqual([{ type: 'passkey.reset', actor: 'admin', target: 'alice', clientAddress: '10.0.0.9', outcome: 'success', detail: 'removed=2' }]);
    await expect(passkeys.remove('alice', 'a1', '10.0.0.1')).rejects.toMatchObject({ code: 'PASSKEY_NOT_FOUND' });
    // Nothing to reset (a mistyped name): 404, no audit event.
    await expect(passkeys.reset('admin', 'alcie', '10.0.0.9')).rejects.toMatchObject({ code: 'PASSKEY_NOT_FOUND', status: 404 });
    expect(events).toHaveLength(1);
  });
});
