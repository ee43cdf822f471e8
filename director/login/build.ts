import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { AuditLog } from '../audit/types.ts';
import type { Authenticator } from '../auth/types.ts';
import { createLoginService } from '../auth/login-service.ts';
import { createThrottle } from '../auth/throttle.ts';
import type { DirectorConfig } from '../config/schema.ts';
import { prepareOtpVerifier } from '../otp/registry.ts';
import { createAuthenticators } from '../auth/registry.ts';
import type { TotpSecretStore } from '../otp/totp-store.ts';
import type { OtpVerifier } from '../auth/types.ts';
import type { TotpVerifier } from '../otp/totp.ts';
import { groupsOf, isAdmin } from '../policy/evaluate.ts';
import type { PolicyHolder } from '../policy/holder.ts';
import type { LoginPort } from './routes.ts';
import type { PasskeyFactor } from '../auth/login-service.ts';

/** What of the login wiring can be built without the store: building it checks the backends' settings. */
interface PreparedLogin {
  authenticators: Authenticator[];
  otp: (totpStore: TotpSecretStore) => OtpVerifier | undefined;
}

/**
 * The login backends and a store-less second factor, built before the store opens so that settings
 * they refuse (an LDAP filter, a PrivacyIDEA URL, a missing PAM service) stop start-up first.
 */
export function prepareLogin(config: DirectorConfig, deps: { clock: Clock; log: Logger }): PreparedLogin {
  return { authenticators: createAuthenticators(config.auth, { log: deps.log }), otp: prepareOtpVerifier(config.otp, deps) };
}

/**
 * Login wiring from config: the backend chain and second factor (prepareLogin) and throttling, over
 * the audit log and TOTP store the composition root built. Groups for the policy are the backend's
 * when it knows them (LDAP), else the policy's own.
 */
export function buildLogin(d: {
  config: DirectorConfig;
  prepared: PreparedLogin;
  totpStore: TotpSecretStore;
  audit: AuditLog;
  policy: PolicyHolder;
  clock: Clock;
  log: Logger;
  throttleFailures?: Map<string, number[]>;
  /** Passkeys in place of the one-time code. */
  passkeys?: PasskeyFactor;
}) {
  const audit = d.audit;
  const otp = d.prepared.otp(d.totpStore);
  const service = createLoginService({
    authenticators: d.prepared.authenticators,
    otp,
    otpRequired: !!otp,
    passkeys: d.passkeys,
    throttle: createThrottle(d.config.throttle, d.clock, undefined, d.throttleFailures),
    audit,
    isAdmin: (user, groups) => isAdmin(d.policy.current, user, groupsOf(d.policy.current, user, groups)),
    clock: d.clock,
    log: d.log,
  });
  const login: LoginPort = {
    async login(input) {
      const result = await service.login(input);
      return { ...result, groups: groupsOf(d.policy.current, result.username, result.groups) };
    },
    health: () => service.health(),
  };
  const totp = d.config.otp.backend === 'totp' ? (otp as TotpVerifier) : undefined;
  return { login, totp };
}
