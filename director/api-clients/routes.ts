import { Elysia } from 'elysia';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers, formFieldsBody, jsonBody } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { ApiClientAnswer, ApiClientList, ApiClientParams, ApiClientSecretAnswer, CreateApiClientBody, OAuthErrorAnswer, TokenAnswer, TokenForm } from './models.ts';
import { OAuthError, type ApiClients } from './service.ts';
import type { ApiClientRecord } from './store.ts';

/** What admins see of a client. */
function clientView(client: ApiClientRecord) {
  const time = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: client.id,
    name: client.name,
    scopes: client.scopes,
    users: client.users,
    pools: client.pools,
    owners: client.owners,
    createdAt: new Date(client.createdAt).toISOString(),
    createdBy: client.createdBy,
    rotatedAt: time(client.rotatedAt),
    disabledAt: time(client.disabledAt),
    disabledBy: client.disabledBy,
  };
}

const withSecret = ({ client, clientSecret }: { client: ApiClientRecord; clientSecret: string }) => ({ clientId: client.id, clientSecret, client: clientView(client) });

/** Admin routes over API clients: register (the secret is answered this once), list, disable, rotate. */
export const apiClientAdminRoutes = (clients: ApiClients, tokens: TokenService) =>
  new Elysia({ name: 'director.api-clients.admin', prefix: '/v1/admin/api-clients' })
    .use(requireAdmin(tokens))
    .get('', async () => ({ clients: (await clients.list()).map(clientView) }), {
      response: { 200: ApiClientList, ...errorAnswers(401, 403) },
      detail: { summary: 'API clients of the Session Manager API, newest first (disabled ones too)', ...ADMIN },
    })
    .post(
      '',
      async ({ body, session, set }) => {
        set.headers['cache-control'] = 'no-store';
        return withSecret(await clients.register(session.sub, body));
      },
      {
        ...jsonBody,
        body: CreateApiClientBody,
        response: { 200: ApiClientSecretAnswer, ...errorAnswers(400, 401, 403, 409) },
        detail: { summary: 'Register an API client: its secret is answered this once', ...ADMIN },
      },
    )
    .post('/:id/disable', async ({ params, session }) => ({ client: clientView(await clients.disable(session.sub, params.id)) }), {
      params: ApiClientParams,
      response: { 200: ApiClientAnswer, ...errorAnswers(401, 403, 404) },
      detail: { summary: 'Disable an API client: its access tokens are refused at once', ...ADMIN },
    })
    .post(
      '/:id/rotate',
      async ({ params, session, set }) => {
        set.headers['cache-control'] = 'no-store';
        return withSecret(await clients.rotate(session.sub, params.id));
      },
      {
        params: ApiClientParams,
        response: { 200: ApiClientSecretAnswer, ...errorAnswers(401, 403, 404) },
        detail: { summary: 'Give an API client a new secret (answered once); tokens issued before are refused', ...ADMIN },
      },
    );

/** HTTP Basic credentials (RFC 7617; RFC 6749 section 2.3.1 form-encodes id and secret first). */
function basicCredentials(request: Request): { id: string; secret: string } | undefined {
  const encoded = request.headers.get('authorization')?.match(/^Basic ([A-Za-z0-9+/=]+)$/)?.[1];
  if (!encoded) return undefined;
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return { id: decodeURIComponent(text.slice(0, colon)), secret: decodeURIComponent(text.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/**
 * POST /oauth2/token: OAuth2 client credentials (RFC 6749 section 4.4) as Session Manager's broker
 * takes them, grant_type in the query string or the form body, the client's id and secret as HTTP
 * Basic. Its own failures answer RFC 6749's error object, which OAuth2 libraries read.
 */
export const oauthTokenRoutes = (clients: ApiClients) =>
  new Elysia({ name: 'director.api-clients.token' }).post(
    '/oauth2/token',
    async ({ body, request, set }) => {
      set.headers['cache-control'] = 'no-store';
      set.headers.pragma = 'no-cache';
      try {
        if (body.grant_type !== 'client_credentials') throw new OAuthError(400, body.grant_type ? 'unsupported_grant_type' : 'invalid_request', 'grant_type must be client_credentials');
        const credentials = basicCredentials(request);
        if (!credentials) throw new OAuthError(401, 'invalid_client', 'send the client id and secret as HTTP Basic credentials');
        return await clients.issueToken(credentials.id, credentials.secret, connectionInfo(request).remoteAddress);
      } catch (err) {
        if (!(err instanceof OAuthError)) throw err;
        set.status = err.status;
        if (err.status === 401) set.headers['www-authenticate'] = 'Basic realm="dcvix"';
        return { error: err.error, error_description: err.message };
      }
    },
    {
      parse: formFieldsBody,
      body: TokenForm,
      response: { 200: TokenAnswer, 400: OAuthErrorAnswer, 401: OAuthErrorAnswer, ...errorAnswers(429) },
      detail: {
        summary: 'An API client access token (OAuth2 client credentials, HTTP Basic)',
        description: 'Wrong credentials count in the login throttle: past its limit, 429 TOO_MANY_ATTEMPTS.',
        security: [{ clientCredentials: [] }],
      },
    },
  );
