import type { Clock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { AuditLog } from '../audit/types.ts';
import type { PasskeyFactor } from '../auth/login-service.ts';
import type { DirectorConfig } from '../config/schema.ts';
import { publicOrigin } from '../config/public-origin.ts';
import { createPasskeys, type Passkeys } from './service.ts';
import type { PasskeyStore } from './store.ts';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';

/** The passkey service from config ([auth.passkeys], public_url); undefined when passkeys are off. */
export function buildPasskeys(deps: { config: DirectorConfig; store: PasskeyStore; audit: AuditLog; clock: Clock; log: Logger }): Passkeys | undefined {
  if (!deps.config.auth.passkeys.enabled) return undefined;
  const origin = publicOrigin(deps.config);
  const passkeys = createPasskeys({ store: deps.store, audit: deps.audit, clock: deps.clock, log: deps.log, config: deps.config.auth.passkeys, origin });
  deps.log.info('passkeys enabled', { origin, rpId: passkeys.rpID, passwordless: passkeys.allowPasswordless });
  return passkeys;
}

/**
 * Passkeys as the login service's second factor: a refused answer is `false` (audited by the service);
 * anything else (the store away) stays an error, not a wrong factor.
 */
export function passkeyFactor(passkeys: Passkeys): PasskeyFactor {
  return {
    offer: (username) => passkeys.loginOffer(username),
    verify: (username, answer, clientAddress) =>
      passkeys.verifyLogin({ challengeId: answer.challengeId, response: answer.response as AuthenticationResponseJSON }, clientAddress, username).then(
        () => true,
        (err: unknown) => {
          if (err instanceof ApiError && err.code === 'PASSKEY_REJECTED') return false;
          throw err;
        },
      ),
  };
}
