/** Builds the configured second factor (otp.backend) from a registry map; "" = none. */
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { OtpConfig } from '../config/auth-schema.ts';
import type { OtpVerifier } from '../auth/types.ts';
import { createExternalOtpVerifier } from './external.ts';
import { createPrivacyIdeaVerifier } from './privacyidea.ts';
import { createTotpVerifier } from './totp.ts';
import type { TotpSecretStore } from './totp-store.ts';

export interface OtpDeps {
  totpStore: TotpSecretStore;
  clock: Clock;
  log: Logger;
}

type Factory = (cfg: OtpConfig, deps: OtpDeps) => OtpVerifier;

export const otpFactories: Readonly<Record<Exclude<OtpConfig['backend'], ''>, Factory>> = {
  totp: (cfg, { totpStore, clock }) => createTotpVerifier(totpStore, clock, cfg.totp),
  privacyidea: (cfg, { log }) => createPrivacyIdeaVerifier(cfg.privacyidea, log.child({ otp: 'privacyidea' })),
  external: (cfg, { log }) => createExternalOtpVerifier(cfg.external, log.child({ otp: 'external' })),
};

/** The configured OtpVerifier, or undefined when otp.backend is "" (no second factor). */
export function createOtpVerifier(cfg: OtpConfig, deps: OtpDeps): OtpVerifier | undefined {
  return cfg.backend ? otpFactories[cfg.backend](cfg, deps) : undefined;
}
