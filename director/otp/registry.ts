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

/** The verifiers that keep nothing in the store: they can be built before the store is open. */
const storelessFactories = {
  privacyidea: (cfg: OtpConfig, { log }: Pick<OtpDeps, 'log'>) => createPrivacyIdeaVerifier(cfg.privacyidea, log.child({ otp: 'privacyidea' })),
  external: (cfg: OtpConfig, { log }: Pick<OtpDeps, 'log'>) => createExternalOtpVerifier(cfg.external, log.child({ otp: 'external' })),
};

export const otpFactories: Readonly<Record<Exclude<OtpConfig['backend'], ''>, Factory>> = {
  totp: (cfg, { totpStore, clock }) => createTotpVerifier(totpStore, clock, cfg.totp),
  ...storelessFactories,
};

/**
 * The second factor in two steps: a verifier that needs no store is built now, so its settings (URL,
 * CA file) are checked before start-up writes anything; TOTP, whose secrets live in the store, is
 * built when the store is open (its settings are plain numbers the config schema already checked).
 */
export function prepareOtpVerifier(cfg: OtpConfig, deps: Omit<OtpDeps, 'totpStore'>): (totpStore: TotpSecretStore) => OtpVerifier | undefined {
  if (cfg.backend === 'totp' || cfg.backend === '') return (totpStore) => createOtpVerifier(cfg, { ...deps, totpStore });
  const verifier = storelessFactories[cfg.backend](cfg, deps);
  return () => verifier;
}

/** The configured OtpVerifier, or undefined when otp.backend is "" (no second factor). */
export function createOtpVerifier(cfg: OtpConfig, deps: OtpDeps): OtpVerifier | undefined {
  return cfg.backend ? otpFactories[cfg.backend](cfg, deps) : undefined;
}
