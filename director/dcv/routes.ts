import { Elysia, type Static } from 'elysia';
import { isSessionId } from '../../shared/api/agent-wire.ts';
import { ApiError, badRequest, forbidden, notFound } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import type { Logger } from '../../shared/log.ts';
import type { RuntimeState } from '../servers/runtime-state.ts';
import { auditResolution, auditVerification, type ConnectionAuditLog } from './connection-audit.ts';
import { countedResolver, verifierReason, type DcvOutcome } from './outcome.ts';
import { inAllowList, type CidrBlock } from '../net/cidr.ts';
import type { ConnectionTokens } from './connection-tokens.ts';
import { dcvEndpoint, type DcvEndpoint } from './connection.ts';
import type { ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import { errorAnswers, formFieldsBody, parseJsonSafely, rejectUnreadBody, UnreadBody } from '../http/models.ts';
import { RESOLVER_FIELDS, ResolverAnswer, ResolverBody, ResolverQuery, VerifierAnswer, VerifierForm } from './models.ts';

const xml = (body: string) => new Response(body, { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'no-store' } });
const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export interface DcvRouteDeps {
  tokens: ConnectionTokens;
  state: RuntimeState;
  /** A live session by id: memory first, then the store (one created through another director a moment ago). */
  findSession: (id: string) => Promise<SessionEntry | undefined>;
  log: Logger;
  gatewayAllow: readonly CidrBlock[];
  endpoint: (server: ServerEntry) => DcvEndpoint;
  /** Counts verifier and resolver outcomes for /metrics. */
  onOutcome?: DcvOutcome;
  /** Records each verification and resolution (connection.verify, connection.resolve), rate-limited. */
  audit?: ConnectionAuditLog;
}

type ResolverContext = { request: Request; query?: Record<string, string | undefined>; body: unknown };

/**
 * The two routes AWS software calls: DCV server's auth-token verifier and the DCV
 * Connection Gateway's session resolver (docs/dcv-wire.md sections 1 and 3). Neither carries a user cookie.
 */
export const dcvRoutes = (deps: DcvRouteDeps) => {
  // Every resolver outcome, from a hook or the handler: counted for /metrics and audited.
  const resolverReport = (result: 'yes' | 'no', reason: string, ctx: ResolverContext, answer?: unknown) => {
    deps.onOutcome?.('resolver', result, reason);
    if (!deps.audit) return;
    const field = (name: string) => ctx.query?.[name] ?? (typeof ctx.body === 'object' && ctx.body !== null ? (ctx.body as Record<string, unknown>)[name] : undefined);
    const text = (name: string) => (typeof field(name) === 'string' ? (field(name) as string) : undefined);
    const found = answer as Static<typeof ResolverAnswer> | undefined;
    const where = found && `${found.DcvServerEndpoint}:${found.Port} (${found.TransportProtocol})`;
    auditResolution(deps.audit, { found: result === 'yes', reason, sessionId: text('sessionId'), clientAddress: text('clientIpAddress'), where, request: ctx.request });
  };
  return new Elysia({ name: 'director.dcv' })
    .post(
      '/v1/user/authtokenverify',
      async ({ body, request }) => {
        const sessionId = body.sessionId ?? '';
        const token = body.authenticationToken ?? '';
        const wellFormed = isSessionId(sessionId) && token.length > 0 && token.length < 4096;
        const verdict = wellFormed ? await deps.tokens.verify(token, sessionId) : undefined;
        const user = verdict?.user;
        deps.onOutcome?.('verifier', user ? 'yes' : 'no', verifierReason(wellFormed, user));
        if (deps.audit) auditVerification(deps.audit, { sessionId, token, clientAddress: body.clientAddress, verdict, request });
        deps.log.info('auth token verification', { sessionId: sessionId.slice(0, 64), clientAddress: (body.clientAddress ?? '').slice(0, 64), result: user ? 'yes' : 'no' });
        return user ? xml(`<auth result="yes"><username>${escapeXml(user)}</username></auth>`) : xml('<auth result="no"><message>token not valid for this session</message></auth>');
      },
      {
        parse: formFieldsBody,
        body: VerifierForm,
        response: { 200: VerifierAnswer },
        detail: { summary: 'DCV server auth-token verifier: form fields in, XML out (never an error status for a bad token)', security: [] },
      },
    )
    .post(
      '/resolveSession',
      countedResolver(resolverReport, async ({ body, query }: { request: Request; body: Static<typeof ResolverBody>; query: Static<typeof ResolverQuery> }) => {
        const sessionId = query.sessionId ?? body.sessionId;
        const transport = (query.transport ?? body.transport ?? 'HTTP').toUpperCase();
        if (!sessionId || !isSessionId(sessionId)) throw badRequest('INVALID_SESSION_ID', 'sessionId is missing or invalid');
        if (transport !== 'HTTP' && transport !== 'QUIC') throw badRequest('INVALID_TRANSPORT', 'transport must be HTTP or QUIC');
        const session = await deps.findSession(sessionId);
        const server = session && !session.orphaned ? deps.state.server(session.serverId) : undefined;
        if (!session || !server) throw notFound('SESSION_NOT_FOUND', 'unknown session');
        const endpoint = deps.endpoint(server);
        return { SessionId: session.id, TransportProtocol: transport as 'HTTP' | 'QUIC', DcvServerEndpoint: endpoint.host, Port: endpoint.port, WebUrlPath: endpoint.webUrlPath || '/' };
      }),
      {
        parse: resolverBody,
        // The gateway check comes first, before the body is looked at; refusals are counted too.
        transform: [
          countedResolver(
            resolverReport,
            ({ request }: ResolverContext) => {
              if (!inAllowList(connectionInfo(request).remoteAddress, deps.gatewayAllow)) throw forbidden('GATEWAY_NOT_ALLOWED', 'caller is not an allowed gateway');
            },
            false,
          ),
          countedResolver(resolverReport, rejectUnreadBody, false),
        ],
        query: ResolverQuery,
        body: ResolverBody,
        response: { 200: ResolverAnswer, ...errorAnswers(400, 403, 404) },
        detail: { summary: 'DCV Connection Gateway session resolver: query (or JSON) in, PascalCase JSON out; callers must be in gateway_allow', security: [] },
      },
    );
};

/**
 * The resolver's body: the string fields of a JSON object when it looks like one (others are ignored,
 * so the model never refuses a call the counting hooks did not see), else nothing (the query carries them).
 */
const resolverBody: [(context: { request: Request }) => Promise<unknown>, 'json'] = [
  async ({ request }) => {
    const text = (await request.text()).trim();
    if (!text.startsWith('{')) return {};
    let json: Record<string, unknown>;
    try {
      json = parseJsonSafely(text) as Record<string, unknown>;
    } catch {
      return new UnreadBody('body is not valid JSON');
    }
    return Object.fromEntries(RESOLVER_FIELDS.filter((k) => typeof json?.[k] === 'string').map((k) => [k, json[k]]));
  },
  'json',
];

export { ApiError, dcvEndpoint };
