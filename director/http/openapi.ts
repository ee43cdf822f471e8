import { VERSION } from '../../shared/version.ts';

/**
 * The director's API as an OpenAPI 3.1 document, served at /v1/openapi.json. Written by hand next to
 * the routes (request bodies are validated by our own parsers, not by schema plugins); a test checks
 * that every mounted route is listed here and nothing else.
 */
type Auth = 'none' | 'cookie' | 'admin' | 'mtls' | 'gateway';
interface Op {
  summary: string;
  auth: Auth;
  body?: Record<string, string>;
  query?: string[];
  produces?: string;
}

const S = (props: Record<string, string>) => ({
  type: 'object',
  properties: Object.fromEntries(Object.entries(props).map(([k, t]) => [k.replace(/\?$/, ''), { type: t }])),
  required: Object.keys(props).filter((k) => !k.endsWith('?')),
});

const ROUTES: Record<string, Record<string, Op>> = {
  '/v1/health': { get: { summary: 'Liveness', auth: 'none' } },
  '/v1/admin/directors': { get: { summary: 'Directors sharing the store, with the hash of the policy each loaded and a warning when they disagree', auth: 'admin' } },
  '/metrics': { get: { summary: 'Prometheus metrics (metrics_allow CIDRs)', auth: 'none', produces: 'text/plain' } },
  '/v1/openapi.json': { get: { summary: 'This document', auth: 'none' } },
  '/v1/user/login': { post: { summary: 'User login; sets the dcvix_session cookie', auth: 'none', body: { userID: 'string', password: 'string', 'otp?': 'string', 'state?': 'string' } } },
  '/v1/admin/login': { post: { summary: 'Admin login (policy admin flag required)', auth: 'none', body: { userID: 'string', password: 'string', 'otp?': 'string', 'state?': 'string' } } },
  '/v1/logout': { post: { summary: 'Revokes the session token (until its expiry) and clears the cookie', auth: 'none' } },
  '/v1/renew': { post: { summary: 'A fresh session token keeping authTime, up to session_absolute_max', auth: 'cookie' } },
  '/v1/admin/users/{user}/signout': { post: { summary: 'Sign a user out everywhere: tokens from earlier logins answer 401 SESSION_REVOKED (audited); 404 USER_NOT_FOUND for a name neither the policy nor a past login knows', auth: 'admin' } },
  '/v1/me': { get: { summary: 'Who is logged in', auth: 'cookie' } },
  '/v1/auth-health': { get: { summary: 'Health of the login backends', auth: 'cookie' } },
  '/v1/user/totp': { get: { summary: 'Built-in TOTP status for the caller', auth: 'cookie' } },
  '/v1/user/totp/enrol': { post: { summary: 'Start TOTP enrolment: otpauth URI and secret', auth: 'cookie' } },
  '/v1/user/totp/confirm': { post: { summary: 'Confirm TOTP enrolment with a code', auth: 'cookie', body: { code: 'string' } } },
  '/v1/admin/users/{user}/totp/reset': { post: { summary: 'Remove a user’s TOTP secret so they enrol again', auth: 'admin' } },
  '/v1/agent/register': { post: { summary: 'Agent registration (TOFU or pinned CA): 403 AGENT_PENDING until approved, then the certificate', auth: 'none', body: { guid: 'string', hostname: 'string', csr: 'string' } } },
  '/v1/agent/renew': { post: { summary: 'Certificate renewal with the same key', auth: 'mtls', body: { csr: 'string' } } },
  '/v1/agent/update': { post: { summary: 'Sessions, stats (snake_case) and tags from an agent', auth: 'mtls', body: { sessions: 'array', stats: 'object', 'tags?': 'array' } } },
  '/v1/admin/agents': { get: { summary: 'Agent registrations', auth: 'admin', query: ['state'] } },
  '/v1/admin/agents/{guid}/approve': { post: { summary: 'Approve a pending agent (or a parked new key)', auth: 'admin', body: { 'csrFingerprint?': 'string' } } },
  '/v1/admin/agents/{guid}/deny': { post: { summary: 'Deny a pending agent (or a parked new key)', auth: 'admin' } },
  '/v1/admin/agents/{guid}/revoke': { post: { summary: 'Revoke a registered agent; with live sessions 409 AGENT_HAS_SESSIONS unless force (they are then shown orphaned)', auth: 'admin', body: { 'force?': 'boolean' } } },
  '/v1/admin/agents/bulk': { post: { summary: 'Approve, deny or clear (pending or revoked) many registrations: {done, failed: [{guid, code}]}', auth: 'admin', body: { action: 'string', guids: 'array' } } },
  '/v1/admin/policy': { get: { summary: 'The policy as loaded, with the last reload outcome', auth: 'admin' } },
  '/v1/admin/audit': { get: { summary: 'Audit events', auth: 'admin', query: ['type', 'actor', 'outcome', 'since', 'limit'] } },
  '/v1/user/authtokenverify': { post: { summary: 'DCV server auth-token verifier (form: sessionId, authenticationToken, clientAddress); XML answer', auth: 'none', produces: 'text/xml' } },
  '/resolveSession': { post: { summary: 'DCV Connection Gateway session resolver', auth: 'gateway', query: ['sessionId', 'transport', 'clientIpAddress'] } },
  '/v1/user/servers': { get: { summary: 'Servers and pools (with their members) the caller may use: live state, health, own sessions', auth: 'cookie' } },
  '/v1/user/sessions': { post: { summary: 'Start (or reconnect to) a session on a server or pool', auth: 'cookie', body: { 'serverId?': 'string', 'poolId?': 'string', sessionType: 'string' } } },
  '/v1/user/sessions/{id}': { delete: { summary: 'Close one of the caller’s sessions', auth: 'cookie' } },
  '/v1/user/sessions/{id}/connection': { get: { summary: 'Connection token, web-client URL, dcv:// URI, .dcv link', auth: 'cookie' } },
  '/v1/user/sessions/{id}/connection.dcv': { get: { summary: 'The .dcv file for DCV Viewer', auth: 'cookie', produces: 'application/x-dcv' } },
  '/v1/user/connectiontoken': { get: { summary: 'A connection token for one session', auth: 'cookie', query: ['sessionId', 'serverId'] } },
  '/v1/user/servers/{server}/config': { post: { summary: 'Set DCV config on a server (typed literals)', auth: 'cookie', body: { config: 'array' } } },
  '/v1/sessions': {
    get: { summary: 'Every known session', auth: 'admin' },
    post: { summary: 'Create a session for a user (403 NOT_PERMITTED when the policy does not allow them there, unless override: true, audited)', auth: 'admin', body: { serverId: 'string', userId: 'string', sessionType: 'string', 'sessionId?': 'string', 'override?': 'boolean' } },
  },
  '/v1/sessions/{id}': { delete: { summary: 'Close any session', auth: 'admin' } },
  '/v1/servers': { get: { summary: 'Every known server with its health and sessions', auth: 'admin' } },
};

const SECURITY: Record<Auth, object[]> = { none: [], cookie: [{ session: [] }], admin: [{ session: [] }], mtls: [{ agentCertificate: [] }], gateway: [] };

export function openApiDocument() {
  const paths: Record<string, Record<string, object>> = {};
  for (const [path, ops] of Object.entries(ROUTES)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(ops)) {
      const params = [...(path.match(/\{(\w+)\}/g) ?? []).map((p) => ({ name: p.slice(1, -1), in: 'path', required: true, schema: { type: 'string' } })), ...(op.query ?? []).map((q) => ({ name: q, in: 'query', schema: { type: 'string' } }))];
      paths[path][method] = {
        summary: op.summary,
        security: SECURITY[op.auth],
        ...(op.auth === 'admin' ? { description: 'Requires an admin session (policy admins).' } : {}),
        ...(params.length ? { parameters: params } : {}),
        ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: S(op.body) } } } } : {}),
        responses: {
          '200': { description: 'OK', content: { [op.produces ?? 'application/json']: {} } },
          default: { description: 'Error envelope', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'dcvix director API', version: VERSION },
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'dcvix_session' },
        agentCertificate: { type: 'mutualTLS', description: 'Agent certificate issued by the director CA' },
      },
      schemas: {
        Error: {
          type: 'object',
          properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, expected: { type: 'array', items: { type: 'string' } }, requestId: { type: 'string' } }, required: ['code', 'message'] } },
        },
      },
    },
  };
}

/** Route paths of the document in Elysia's ":param" form, for the consistency test. */
export function documentedRoutes(): string[] {
  return Object.entries(ROUTES).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
}
