import { join } from 'node:path';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import { createAuditLog } from '../audit/log.ts';
import { AUDIT_SPOOL_FILE, AuditSpool } from '../audit/spool-file.ts';
import { createSpoolingAuditLog, type AuditSpoolCounters } from '../audit/spooling-log.ts';
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
import type { DirectorStores } from '../open-stores.ts';
import type { LoginPort } from './routes.ts';

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
 * The audit log on the configured store. PostgreSQL can be away: events then wait in a spool file in
 * data_dir until it is back (spooling-log.ts). The embedded database is always there and written at once.
 * `close` at stop stores (or spools) what is still in memory.
 */
function buildAuditLog(deps: { config: DirectorConfig; stores: Pick<DirectorStores, 'audit' | 'kind' | 'available'>; clock: Clock; log: Logger; counters?: AuditSpoolCounters }): {
  audit: AuditLog;
  close(): Promise<void>;
} {
  if (deps.stores.kind === 'sqlite') return { audit: createAuditLog(deps.stores.audit, deps.clock, (error) => deps.log.error('audit write failed', { error })), close: async () => {} };
  const audit = createSpoolingAuditLog({
    store: deps.stores.audit,
    spool: new AuditSpool(join(deps.config.data_dir, AUDIT_SPOOL_FILE)),
    clock: deps.clock,
    log: deps.log,
    isAvailable: () => deps.stores.available(),
    counters: deps.counters,
  });
  return { audit, close: () => audit.close() };
}

/**
 * Login wiring from config: the backend chain and second factor (prepareLogin), the optional second factor, throttling and the audit
 * log. Groups for the policy are the backend's when it knows them (LDAP), else the policy's own.
 */
export function buildLogin(d: {
  config: DirectorConfig;
  prepared: PreparedLogin;
  stores: Pick<DirectorStores, 'audit' | 'totp' | 'kind' | 'available'>;
  policy: PolicyHolder;
  clock: Clock;
  log: Logger;
  /** Counts login events as they are recorded, and what the spool does. */
  auditMetrics?: { countingAudit(audit: AuditLog): AuditLog; auditSpool: AuditSpoolCounters };
  throttleFailures?: Map<string, number[]>;
}) {
  const auditWriter = buildAuditLog({ ...d, counters: d.auditMetrics?.auditSpool });
  const audit = d.auditMetrics ? d.auditMetrics.countingAudit(auditWriter.audit) : auditWriter.audit;
  const otp = d.prepared.otp(d.stores.totp);
  const service = createLoginService({
    authenticators: d.prepared.authenticators,
    otp,
    otpRequired: !!otp,
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
  return { login, audit, totp, closeAudit: auditWriter.close };
}
