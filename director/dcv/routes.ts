import { Elysia } from 'elysia';
import { isSessionId } from '../../shared/api/agent-wire.ts';
import { ApiError, badRequest, forbidden, notFound } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import type { Logger } from '../../shared/log.ts';
import type { RuntimeState } from '../servers/runtime-state.ts';
import { countedResolver, verifierReason, type DcvOutcome } from '../metrics/dcv-outcome.ts';
import { inAllowList, type CidrBlock } from './cidr.ts';
import type { ConnectionTokens } from './connection-tokens.ts';
import { dcvEndpoint, type DcvEndpoint } from './connection.ts';
import type { ServerEntry } from '../servers/runtime-state.ts';

const xml = (body: string) => new Response(body, { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'no-store' } });
const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Form fields (or query parameters) of a DCV verifier request. */
function formFields(body: unknown, url: string): URLSearchParams {
  const fields = new URLSearchParams(new URL(url).search);
  if (typeof body === 'string') for (const [k, v] of new URLSearchParams(body)) fields.set(k, v);
  return fields;
}

export interface DcvRouteDeps {
  tokens: ConnectionTokens;
  state: RuntimeState;
  log: Logger;
  gatewayAllow: readonly CidrBlock[];
  endpoint: (server: ServerEntry) => DcvEndpoint;
  /** Counts verifier and resolver outcomes for /metrics. */
  onOutcome?: DcvOutcome;
}

/**
 * The two routes AWS software calls: DCV server's auth-token verifier and the DCV
 * Connection Gateway's session resolver (docs/dcv-wire.md sections 1 and 3). Neither carries a user cookie.
 */
export const dcvRoutes = (d: DcvRouteDeps) => {
  return new Elysia({ name: 'director.dcv' })
    .post(
      '/v1/user/authtokenverify',
      async ({ body, request }) => {
        const f = formFields(body, request.url);
        const sessionId = f.get('sessionId') ?? '';
        const token = f.get('authenticationToken') ?? '';
        const wellFormed = isSessionId(sessionId) && token.length > 0 && token.length < 4096;
        const user = wellFormed ? await d.tokens.verify(token, sessionId) : undefined;
        d.onOutcome?.('verifier', user ? 'yes' : 'no', verifierReason(wellFormed, user));
        d.log.info('auth token verification', { sessionId: sessionId.slice(0, 64), clientAddress: (f.get('clientAddress') ?? '').slice(0, 64), result: user ? 'yes' : 'no' });
        return user ? xml(`<auth result="yes"><username>${escapeXml(user)}</username></auth>`) : xml('<auth result="no"><message>token not valid for this session</message></auth>');
      },
      { parse: 'text' },
    )
    .post(
      '/resolveSession',
      countedResolver(d.onOutcome, ({ body, request }: { body: unknown; request: Request }) => {
        const caller = connectionInfo(request).remoteAddress;
        if (!inAllowList(caller, d.gatewayAllow)) throw forbidden('GATEWAY_NOT_ALLOWED', 'caller is not an allowed gateway');
        const q = new URL(request.url).searchParams;
        let json: Record<string, unknown> = {};
        if (typeof body === 'string' && body.trim().startsWith('{')) {
          try {
            json = JSON.parse(body);
          } catch {
            throw badRequest('INVALID_JSON', 'body is not valid JSON');
          }
        }
        const pick = (k: string) => q.get(k) ?? (typeof json[k] === 'string' ? (json[k] as string) : undefined);
        const sessionId = pick('sessionId');
        const transport = (pick('transport') ?? 'HTTP').toUpperCase();
        if (!sessionId || !isSessionId(sessionId)) throw badRequest('INVALID_SESSION_ID', 'sessionId is missing or invalid');
        if (transport !== 'HTTP' && transport !== 'QUIC') throw badRequest('INVALID_TRANSPORT', 'transport must be HTTP or QUIC');
        const session = d.state.session(sessionId);
        const server = session && d.state.server(session.serverId);
        if (!session || !server) throw notFound('SESSION_NOT_FOUND', 'unknown session');
        const e = d.endpoint(server);
        return { SessionId: session.id, TransportProtocol: transport, DcvServerEndpoint: e.host, Port: e.port, WebUrlPath: e.webUrlPath || '/' };
      }),
      { parse: 'text' },
    );
};

export { ApiError, dcvEndpoint };
