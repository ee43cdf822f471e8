import { t } from 'elysia';
import { Int, mediaType, OneOf } from '../http/models.ts';

/**
 * POST /v1/user/authtokenverify, as a DCV server calls it: form fields (application/x-www-form-urlencoded;
 * the query string is read too). A malformed call is never a 4xx: the answer is `<auth result="no">`.
 */
export const VerifierForm = t.Object({
  sessionId: t.Optional(t.String({ description: 'DCV session id the client connects to' })),
  authenticationToken: t.Optional(t.String({ description: 'The connection token the client presented' })),
  clientAddress: t.Optional(t.String({ description: "Client's address as DCV saw it (logged only)" })),
});

/** The verifier's answer, XML as DCV servers expect it. */
export const VerifierAnswer = mediaType(
  'text/xml',
  t.String({
    description: 'Accepted: `<auth result="yes"><username>USER</username></auth>`; refused: `<auth result="no"><message>...</message></auth>`',
    examples: ['<auth result="yes"><username>alice</username></auth>', '<auth result="no"><message>token not valid for this session</message></auth>'],
  }),
);

/** Fields of a resolver call; the handler checks their values (INVALID_SESSION_ID, INVALID_TRANSPORT). */
export const RESOLVER_FIELDS = ['sessionId', 'transport', 'clientIpAddress'] as const;
const resolverFields = {
  sessionId: t.Optional(t.String({ description: 'DCV session id' })),
  transport: t.Optional(t.String({ description: 'HTTP (default) or QUIC, any case' })),
  clientIpAddress: t.Optional(t.String({ description: "Client's address (not used for the decision)" })),
};
/** POST /resolveSession: the DCV Connection Gateway puts its fields in the query string... */
export const ResolverQuery = t.Object(resolverFields);
/** ...or in a JSON body (a body that is not a JSON object is ignored); query fields win. */
export const ResolverBody = t.Object(resolverFields);

/** Where the gateway should send the client: PascalCase keys, as the gateway reads them. */
export const ResolverAnswer = t.Object({
  SessionId: t.String(),
  TransportProtocol: OneOf(['HTTP', 'QUIC']),
  DcvServerEndpoint: t.String({ description: 'Host name or address of the DCV server' }),
  Port: Int(),
  WebUrlPath: t.String({ examples: ['/'] }),
});
