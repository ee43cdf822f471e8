import { t } from 'elysia';
import { coded, Int, Nullable, OneOf, Time } from '../http/models.ts';
import { HOSTNAME_PATTERN } from './hostname-pattern.ts';

/** Longest life a join token may be given: 1 year. */
const MAX_EXPIRES_IN_SECONDS = 365 * 86_400;

/** Only an active token admits; the others stay listed for the record. */
export const JoinTokenState = OneOf(['active', 'revoked', 'expired', 'used-up']);

/** POST /v1/admin/join-tokens. */
export const CreateJoinTokenBody = t.Object({
  expiresIn: coded('INVALID_EXPIRES_IN', Int({ minimum: 60, maximum: MAX_EXPIRES_IN_SECONDS, description: 'Seconds until the token expires (60 s to 1 year)' })),
  uses: coded('INVALID_USES', Int({ minimum: 1, maximum: 100_000, description: 'How many agents it admits' })),
  hostnamePattern: t.Optional(
    coded(
      'INVALID_HOSTNAME_PATTERN',
      t.String({ ...HOSTNAME_PATTERN, description: 'Glob the registering host name must match, case-insensitively: * (any run, dots included), ?, [0-9], {a,b}; empty = any host' }),
    ),
  ),
});

/** A join token as admins see it: never its secret, nor the secret's hash. */
export const JoinTokenView = t.Object({
  id: t.String({ description: 'The part of the token between dcvix-join_ and the secret' }),
  state: JoinTokenState,
  hostnamePattern: Nullable(t.String()),
  uses: Int(),
  used: Int({ description: 'Agents admitted so far' }),
  expiresAt: Time(),
  createdAt: Time(),
  createdBy: t.String(),
  revokedAt: Nullable(Time()),
  revokedBy: Nullable(t.String()),
  lastUsedAt: Nullable(Time()),
});

/** GET /v1/admin/join-tokens, and the answers of create and revoke. */
export const JoinTokenList = t.Object({ joinTokens: t.Array(JoinTokenView) });
export const JoinTokenAnswer = t.Object({ joinToken: JoinTokenView });
export const CreatedJoinToken = t.Object({
  joinToken: JoinTokenView,
  token: t.String({ description: 'dcvix-join_<id>_<secret>: shown this once; the director keeps only a hash of the secret' }),
});
export const JoinTokenParams = t.Object({ id: t.String({ maxLength: 64 }) });
