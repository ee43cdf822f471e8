import { t } from 'elysia';
import { Nullable, OneOf, Time } from '../http/models.ts';
import { API_SCOPES } from './store.ts';

const Scope = OneOf(API_SCOPES, { description: 'What the client may do' });

/** POST /v1/admin/api-clients. */
export const CreateApiClientBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 64, description: 'Shown in the audit log beside everything the client does; unique' }),
  scopes: t.Array(t.String(), { minItems: 1, maxItems: API_SCOPES.length, description: `One or more of ${API_SCOPES.join(', ')}` }),
  users: t.Optional(t.Array(t.String({ maxLength: 128 }), { maxItems: 1000, description: 'The session owners it may act for (absent: any the policy allows)' })),
  pools: t.Optional(t.Array(t.String({ maxLength: 128 }), { maxItems: 1000, description: 'The pools it may place in and see (absent: any)' })),
  owners: t.Optional(
    t.Array(t.String({ maxLength: 128 }), {
      maxItems: 1000,
      description:
        'Users (or "*": every user it acts for) it may create sessions for in its pools though the policy does not let them use those pools; needs `pools` (absent: the policy alone decides)',
    }),
  ),
});

/** What admins see of a client: never its secret or the secret's hash. */
export const ApiClientView = t.Object({
  id: t.String({ description: 'The client id (HTTP Basic user name at /oauth2/token)' }),
  name: t.String(),
  scopes: t.Array(Scope),
  users: Nullable(t.Array(t.String())),
  pools: Nullable(t.Array(t.String())),
  owners: Nullable(t.Array(t.String())),
  createdAt: Time(),
  createdBy: t.String(),
  rotatedAt: Nullable(Time()),
  disabledAt: Nullable(Time()),
  disabledBy: Nullable(t.String()),
});
export const ApiClientList = t.Object({ clients: t.Array(ApiClientView) });
export const ApiClientAnswer = t.Object({ client: ApiClientView });
/** The one answer that carries the secret (create and rotate). */
export const ApiClientSecretAnswer = t.Object({
  clientId: t.String(),
  clientSecret: t.String({ description: 'Shown this once; stored only as a hash' }),
  client: ApiClientView,
});
export const ApiClientParams = t.Object({ id: t.String({ maxLength: 64 }) });

/** POST /oauth2/token: grant_type in the query string or the form body. */
export const TokenForm = t.Object({ grant_type: t.Optional(t.String({ description: 'client_credentials' })) }, { additionalProperties: true });
/** RFC 6749 section 4.4.3. */
export const TokenAnswer = t.Object({ access_token: t.String(), token_type: t.Literal('Bearer'), expires_in: t.Integer({ description: 'Seconds' }) });
/** RFC 6749 section 5.2: the token endpoint's own error answer. */
export const OAuthErrorAnswer = t.Object({ error: OneOf(['invalid_request', 'invalid_client', 'unsupported_grant_type']), error_description: t.String() });
