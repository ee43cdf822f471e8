import { isUserName } from '../../shared/api/agent-wire.ts';
import type { Clock } from '../../shared/clock.ts';
import { ApiError, badRequest, conflict, notFound, unauthorized } from '../../shared/errors.ts';
import { checkOptions } from '../../shared/options.ts';
import type { AuditLog } from '../audit/types.ts';
import type { Throttle } from '../auth/throttle.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { API_SCOPES, type ApiClientRecord, type ApiClientStore, type ApiScope } from './store.ts';

export interface ApiClientsOptions {
  store: ApiClientStore;
  tokens: TokenService;
  audit: AuditLog;
  clock: Clock;
  /** The login throttle's rules: wrong client secrets count as failed logins (per client id and address). */
  throttle: Throttle;
  /** Lifetime of an access token (config api_token_ttl). */
  tokenTtlMs: number;
}

/** What an admin registers. */
export interface NewClientInput {
  name: string;
  scopes: string[];
  users?: string[];
  pools?: string[];
  owners?: string[];
}

/** An OAuth2 error answer (RFC 6749 section 5.2), as the token endpoint gives it. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type',
    message: string,
  ) {
    super(message);
  }
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 _.@-]{0,63}$/;
const POOL_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@\\-]{0,127}$/;
/** A Bun.password hash of a secret nobody holds: unknown client ids cost the same as wrong secrets. */
const NOBODY = Bun.password.hash(crypto.randomUUID());

const newSecret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
/** The actor audit events name an API client by. */
export const clientActor = (client: Pick<ApiClientRecord, 'name'>) => `api-client:${client.name}`;

/**
 * API clients of the Session Manager API: admins register, list, disable and rotate them; a client
 * trades its id and secret for a short-lived access token (OAuth2 client credentials), and each request
 * with that token is checked against the client's row, so a disabled or rotated client is refused at once.
 */
export class ApiClients {
  private readonly o: ApiClientsOptions;

  constructor(options: ApiClientsOptions) {
    this.o = checkOptions('ApiClients', options, { store: 'object', tokens: 'object', audit: 'object', clock: 'object', throttle: 'object', tokenTtlMs: 'number' });
  }

  /**
   * Registers a client; the secret is answered once and stored only as its hash.
   * @throws ApiError 400 INVALID_BODY | 409 API_CLIENT_NAME_TAKEN
   */
  async register(admin: string, input: NewClientInput): Promise<{ client: ApiClientRecord; clientSecret: string }> {
    if (!NAME_RE.test(input.name)) throw badRequest('INVALID_BODY', 'name: 1 to 64 letters, digits, spaces and _ . @ -, starting with a letter or digit');
    const unknown = input.scopes.filter((scope) => !(API_SCOPES as readonly string[]).includes(scope));
    if (unknown.length || input.scopes.length === 0) throw badRequest('INVALID_BODY', `scopes: one or more of ${API_SCOPES.join(', ')}${unknown.length ? ` (not ${unknown.join(', ')})` : ''}`);
    if (input.users?.some((user) => !isUserName(user))) throw badRequest('INVALID_BODY', 'users: login names only');
    if (input.pools?.some((pool) => !POOL_RE.test(pool))) throw badRequest('INVALID_BODY', 'pools: pool names only');
    if (input.owners?.some((owner) => owner !== '*' && !isUserName(owner))) throw badRequest('INVALID_BODY', 'owners: login names, or "*"');
    // Creating beyond the policy is bounded by pools the admin names: never every pool at once.
    if (input.owners && !input.pools?.length) throw badRequest('INVALID_BODY', 'owners needs pools: the pools where the client may create sessions for them');
    if (input.owners && input.users && input.owners.some((owner) => owner !== '*' && !input.users!.includes(owner)))
      throw badRequest('INVALID_BODY', 'owners: only users the client acts for (its users)');
    const clientSecret = newSecret();
    const client = {
      id: crypto.randomUUID(),
      name: input.name,
      secretHash: await Bun.password.hash(clientSecret),
      scopes: [...new Set(input.scopes)] as ApiScope[],
      users: input.users ? [...new Set(input.users)] : null,
      pools: input.pools ? [...new Set(input.pools)] : null,
      owners: input.owners ? [...new Set(input.owners)] : null,
      createdAt: this.o.clock.now(),
      createdBy: admin,
    };
    if ((await this.o.store.create(client)) === 'name-taken') throw conflict('API_CLIENT_NAME_TAKEN', `an API client named ${input.name} exists`);
    const limits = [client.users && `users ${client.users.join(' ')}`, client.pools && `pools ${client.pools.join(' ')}`, client.owners && `owners beyond the policy ${client.owners.join(' ')}`];
    const detail = [`scopes ${client.scopes.join(' ')}`, ...limits.filter(Boolean)].join('; ').slice(0, 500);
    this.o.audit.record({ type: 'api-client.create', actor: admin, target: client.name, outcome: 'success', detail });
    return { client: { ...client, rotatedAt: null, disabledAt: null, disabledBy: null }, clientSecret };
  }

  /** Every client, newest first. */
  list(): Promise<ApiClientRecord[]> {
    return this.o.store.list();
  }

  /**
   * Disables a client: its tokens are refused from now on, and it gets no new ones.
   * @throws ApiError 404 API_CLIENT_NOT_FOUND (unknown, or disabled already)
   */
  async disable(admin: string, id: string): Promise<ApiClientRecord> {
    const client = await this.o.store.disable(id, admin, this.o.clock.now());
    if (!client) throw notFound('API_CLIENT_NOT_FOUND', 'no enabled API client with that id');
    this.o.audit.record({ type: 'api-client.disable', actor: admin, target: client.name, outcome: 'success' });
    return client;
  }

  /**
   * Gives a client a new secret (answered once); tokens issued before are refused from now on.
   * @throws ApiError 404 API_CLIENT_NOT_FOUND (unknown, or disabled)
   */
  async rotate(admin: string, id: string): Promise<{ client: ApiClientRecord; clientSecret: string }> {
    const clientSecret = newSecret();
    const client = await this.o.store.rotate(id, await Bun.password.hash(clientSecret), this.o.clock.now());
    if (!client) throw notFound('API_CLIENT_NOT_FOUND', 'no enabled API client with that id');
    this.o.audit.record({ type: 'api-client.rotate', actor: admin, target: client.name, outcome: 'success' });
    return { client, clientSecret };
  }

  /**
   * The token endpoint's work: the client's id and secret for an access token. Failures count in the
   * login throttle (the client id as the user name), and past its limit 429 TOO_MANY_ATTEMPTS answers.
   * @throws OAuthError 401 invalid_client | ApiError 429 TOO_MANY_ATTEMPTS
   */
  async issueToken(clientId: string, secret: string, clientAddress: string): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }> {
    const throttleKey = `api-client:${clientId}`;
    this.o.throttle.check(throttleKey, clientAddress);
    const client = clientId.length <= 64 ? await this.o.store.get(clientId) : undefined;
    const right = await Bun.password.verify(secret, client?.secretHash ?? (await NOBODY)).catch(() => false);
    if (!client || !right || client.disabledAt !== null) {
      this.o.throttle.failure(throttleKey, clientAddress);
      const why = !client ? 'unknown client id' : !right ? 'wrong secret' : 'client disabled';
      this.o.audit.record({ type: 'api-client.token', actor: client ? clientActor(client) : undefined, target: clientId.slice(0, 64), clientAddress, outcome: 'failure', detail: why });
      throw new OAuthError(401, 'invalid_client', 'client authentication failed');
    }
    this.o.throttle.success(throttleKey, clientAddress);
    const issued = await this.o.tokens.issueApi({ sub: client.id, ttlMs: this.o.tokenTtlMs });
    this.o.audit.record({ type: 'api-client.token', actor: clientActor(client), target: client.id, clientAddress, outcome: 'success' });
    return { access_token: issued.token, token_type: 'Bearer', expires_in: Math.floor(this.o.tokenTtlMs / 1000) };
  }

  /**
   * The client behind an access token, read from its row now: refused when the token is not an API
   * client's, the client is gone or disabled, or its secret was rotated after the token was issued.
   * @throws ApiError 401 UNAUTHENTICATED | 401 SESSION_EXPIRED
   */
  async authenticate(token: string): Promise<ApiClientRecord> {
    let claims: Awaited<ReturnType<TokenService['verifyApi']>>;
    try {
      claims = await this.o.tokens.verifyApi(token);
    } catch (err) {
      if (err instanceof ApiError) throw unauthorized(err.code === 'TOKEN_EXPIRED' ? 'SESSION_EXPIRED' : 'UNAUTHENTICATED', 'access token is not valid; ask /oauth2/token for a new one');
      throw err;
    }
    const client = await this.o.store.get(claims.sub);
    const issuedAt = Date.parse(claims.iat);
    if (!client || client.disabledAt !== null || (client.rotatedAt !== null && issuedAt < client.rotatedAt)) {
      throw unauthorized('UNAUTHENTICATED', 'this API client is disabled or its secret was rotated; its tokens are refused');
    }
    return client;
  }
}
