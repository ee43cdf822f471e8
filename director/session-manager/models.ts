import { t } from 'elysia';
import { Int, Time } from '../http/models.ts';

/**
 * The Session Manager API's models (dcv-session-manager-api.yaml beside this file), as this director
 * answers them: the same names and shapes; answers carry the fields dcvix knows. Requests take the
 * YAML's fields only: a field it does not name is 400 INVALID_BODY, never ignored. Tests check every
 * answer against the YAML's own schemas.
 */

const text = (description?: string) => t.String(description ? { description } : {});
const KeyValuePair = t.Object({ Key: text(), Value: text() });

const Endpoint = t.Object({ IpAddress: text(), Port: Int(), WebUrlPath: text(), Protocol: text('HTTP (TCP and WebSocket; QUIC where the DCV server has it on)') });
const Host = t.Object({
  Os: t.Optional(t.Object({ Family: t.Optional(text()), Name: t.Optional(text()), Version: t.Optional(text()), KernelVersion: t.Optional(text()) })),
  Memory: t.Optional(t.Object({ TotalBytes: Int(), UsedBytes: Int() })),
  CpuInfo: t.Optional(t.Object({ Architecture: t.Optional(text()), ModelName: t.Optional(text()), NumberOfCpus: Int() })),
  CpuLoadAverage: t.Optional(t.Object({ OneMinute: t.Number(), FiveMinutes: t.Number(), FifteenMinutes: t.Number() })),
  Gpus: t.Array(t.Object({ ModelName: text() })),
});
export const SmServer = t.Object({
  Id: text('The server id: the host name its agent registered'),
  Ip: text(),
  Hostname: text(),
  Port: text('The DCV port (deprecated in Session Manager, kept for its clients)'),
  Endpoints: t.Array(Endpoint),
  WebUrlPath: text(),
  SessionManagerAgentVersion: t.Optional(text('The dcvix agent version')),
  Availability: text('AVAILABLE or UNAVAILABLE'),
  UnavailabilityReason: t.Optional(text('SERVER_CLOSED (drained), UNREACHABLE_AGENT (offline), UNHEALTHY_DCV_SERVER')),
  ConsoleSessionCount: Int(),
  VirtualSessionCount: Int(),
  Host,
  Tags: t.Array(KeyValuePair),
});
export const SmSession = t.Object({
  Id: text(),
  Name: t.Optional(text()),
  Owner: text(),
  Server: t.Optional(SmServer),
  Type: text('Virtual or Console'),
  State: text('CREATING, READY, DELETING, DELETED or UNKNOWN'),
  Substate: t.Optional(text('SESSION_PLACING while a create waits for its server')),
  StateReason: t.Optional(text('Why a create failed (State DELETED), or why the state is UNKNOWN')),
  CreationTime: t.Optional(Time()),
  LastDisconnectionTime: t.Optional(Time()),
  NumOfConnections: Int(),
});

const RequestId = text('This request’s id (also in the x-request-id header)');
const listOf = (description: string) => t.Optional(t.Array(text(), { maxItems: 1000, description }));
const page = {
  MaxResults: t.Optional(t.Integer({ minimum: 1, maximum: 1000, description: '1 to 1000 (default 1000)' })),
  NextToken: t.Optional(t.String({ maxLength: 200 })),
};
const closed = { additionalProperties: false } as const;

export const DescribeServersBody = t.Object({ ServerIds: listOf('The servers to describe (absent: every one the client may see)'), ...page }, closed);
export const DescribeServersAnswer = t.Object({ RequestId, Servers: t.Array(SmServer), NextToken: t.Optional(text()) });
export const DescribeSessionsBody = t.Object(
  { SessionIds: listOf('The sessions to describe'), Filters: t.Optional(t.Array(t.Object({ Key: text('owner or tag:<key>'), Value: text() }, closed), { maxItems: 50 })), ...page },
  closed,
);
export const DescribeSessionsAnswer = t.Object({ RequestId, Sessions: t.Array(SmSession), NextToken: t.Optional(text()) });

const optionalText = (maxLength: number) => t.Optional(t.String({ maxLength }));
export const CreateSessionItem = t.Object(
  {
    Name: optionalText(256),
    Owner: optionalText(128),
    Type: optionalText(16),
    DcvGlEnabled: t.Optional(t.Boolean()),
    MaxConcurrentClients: t.Optional(t.Integer()),
    InitFilePath: optionalText(1024),
    InitFile: optionalText(1024),
    AutorunFile: optionalText(1024),
    AutorunFileArguments: t.Optional(t.Array(t.String({ maxLength: 1024 }), { maxItems: 64 })),
    PermissionsFile: optionalText(65_536),
    Requirements: optionalText(4096),
    EnqueueRequest: t.Optional(t.Boolean()),
    DisableRetryOnFailure: t.Optional(t.Boolean()),
    StorageRoot: optionalText(1024),
  },
  closed,
);
export const CreateSessionsBody = t.Array(CreateSessionItem, { minItems: 1, maxItems: 50 });
export const CreateSessionsAnswer = t.Object({
  RequestId,
  SuccessfulList: t.Array(SmSession),
  UnsuccessfulList: t.Array(t.Object({ CreateSessionRequestData: CreateSessionItem, FailureReason: text() })),
});

export const DeleteSessionsBody = t.Array(t.Object({ SessionId: t.String({ maxLength: 64 }), Owner: optionalText(128), Force: t.Optional(t.Boolean()) }, closed), { minItems: 1, maxItems: 100 });
export const DeleteSessionsAnswer = t.Object({
  RequestId,
  SuccessfulList: t.Array(t.Object({ SessionId: text(), State: text() })),
  UnsuccessfulList: t.Array(t.Object({ SessionId: text(), FailureReason: text() })),
});

export const UpdatePermissionsBody = t.Array(
  t.Object({ SessionId: t.String({ maxLength: 64 }), Owner: optionalText(128), PermissionsFile: t.String({ maxLength: 65_536, description: 'The permissions file, base64' }) }, closed),
  { minItems: 1, maxItems: 100 },
);
export const UpdatePermissionsAnswer = t.Object({
  RequestId,
  SuccessfulList: t.Array(t.Object({ SessionId: text() })),
  UnsuccessfulList: t.Array(t.Object({ SessionId: text(), FailureReason: text() })),
});

export const ConnectionDataParams = t.Object({ sessionId: t.String(), user: t.String() });
export const ConnectionDataAnswer = t.Object({ Session: SmSession, ConnectionToken: text('Opens this session for this user through the DCV auth-token verifier') });

const ScreenshotItem = t.Object({ SessionId: t.String({ maxLength: 64 }), MaxWidth: t.Optional(t.Union([t.Integer(), t.Null()])), MaxHeight: t.Optional(t.Union([t.Integer(), t.Null()])) }, closed);
export const ScreenshotsBody = t.Array(ScreenshotItem, { minItems: 1, maxItems: 50 });
export const ScreenshotsAnswer = t.Object({
  RequestId,
  SuccessfulList: t.Array(
    t.Object({
      SessionScreenshot: t.Object({ SessionId: text(), Images: t.Array(t.Object({ Format: t.Literal('png'), Data: text('base64'), CreationTime: Time(), Primary: t.Boolean() })) }),
    }),
  ),
  UnsuccessfulList: t.Array(t.Object({ GetSessionScreenshotRequestData: ScreenshotItem, FailureReason: text() })),
});

const OpenItem = t.Object({ ServerId: t.String({ maxLength: 253 }) }, closed);
const CloseItem = t.Object({ ServerId: t.String({ maxLength: 253 }), Force: t.Optional(t.Boolean()) }, closed);
export const OpenServersBody = t.Array(OpenItem, { minItems: 1, maxItems: 100 });
export const CloseServersBody = t.Array(CloseItem, { minItems: 1, maxItems: 100 });
const ServerOutcome = t.Object({ ServerId: text() });
export const OpenServersAnswer = t.Object({
  RequestId,
  SuccessfulList: t.Array(ServerOutcome),
  UnsuccessfulList: t.Array(t.Object({ OpenServerRequestData: OpenItem, FailureCode: text(), FailureReason: text() })),
});
export const CloseServersAnswer = t.Object({
  RequestId,
  SuccessfulList: t.Array(ServerOutcome),
  UnsuccessfulList: t.Array(t.Object({ CloseServerRequestData: CloseItem, FailureCode: text(), FailureReason: text() })),
});
