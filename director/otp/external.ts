/**
 * External OTP command: the same contract as the external login command (director/auth/external.ts):
 * argv without a shell, $DCVIX_USER, exit 0 = accept. Its stdin carries one line, the OTP.
 */
import type { Logger } from '../../shared/log.ts';
import { runCredentialCommand, type ExternalCommandConfig } from '../auth/external.ts';
import type { OtpVerifier } from '../auth/types.ts';

/** The external-command OTP verifier. */
export function createExternalOtpVerifier(cfg: ExternalCommandConfig, log: Logger): OtpVerifier {
  return {
    name: 'external',
    async verify(username, otp, clientAddress) {
      const env: Record<string, string> = clientAddress ? { DCVIX_CLIENT_ADDRESS: clientAddress } : {};
      const outcome = await runCredentialCommand(cfg, username, [otp], log, env);
      if (!outcome.ok) log.info('external otp rejected', { user: username, reason: outcome.reason });
      return outcome.ok;
    },
  };
}
