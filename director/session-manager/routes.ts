import { Elysia } from 'elysia';
import type { TSchema } from 'elysia';
import { ApiError, badRequest } from '../../shared/errors.ts';
import { currentRequestId } from '../../shared/http/request-context.ts';
import { requireApiClient } from '../api-clients/guard.ts';
import { clientActor, type ApiClients } from '../api-clients/service.ts';
import type { ApiClientRecord, ApiScope } from '../api-clients/store.ts';
import { errorAnswers, parseJsonSafely, rejectUnreadBody, UnreadBody } from '../http/models.ts';
import { createSessions } from './create.ts';
import { requireScope, type SessionManagerDeps } from './deps.ts';
import { describeServers, describeSessions } from './describe.ts';
import {
  CloseServersAnswer,
  CloseServersBody,
  ConnectionDataAnswer,
  ConnectionDataParams,
  CreateSessionsAnswer,
  CreateSessionsBody,
  DeleteSessionsAnswer,
  DeleteSessionsBody,
  DescribeServersAnswer,
  DescribeServersBody,
  DescribeSessionsAnswer,
  DescribeSessionsBody,
  OpenServersAnswer,
  OpenServersBody,
  ScreenshotsAnswer,
  ScreenshotsBody,
  UpdatePermissionsAnswer,
  UpdatePermissionsBody,
} from './models.ts';
import { unknownField } from './unknown-fields.ts';
import { closeServers, connectionData, deleteSessions, openServers, screenshots, updatePermissions } from './operations.ts';

/**
 * A JSON body of any shape (Session Manager sends arrays), checked against `model` for fields it does
 * not name (400 INVALID_BODY); empty reads as `{}` where the YAML makes the body optional.
 */
const jsonValue = <T extends TSchema>(optional: boolean, model: T) => ({
  body: model,
  parse: [
    async ({ request }: { request: Request }) => {
      const text = await request.text();
      if (text.trim() === '') return optional ? {} : new UnreadBody('request body must be JSON');
      try {
        return parseJsonSafely(text);
      } catch {
        return new UnreadBody('request body is not valid JSON');
      }
    },
    'json',
  ] as [(context: { request: Request }) => Promise<unknown>, 'json'],
  transform({ body }: { body: unknown }) {
    rejectUnreadBody({ body });
    const unknown = unknownField(model, body);
    if (unknown) throw badRequest('INVALID_BODY', `${unknown}: not a field dcvix takes here (it answers with an error rather than ignore a field)`);
  },
});

const SECURITY = { security: [{ apiClient: [] }], tags: ['Session Manager API'] };
const ERRORS = errorAnswers(400, 401, 403);

/** Runs one operation for a client: its scope first, then the work; audited once with the client's name and the per-item outcome. */
async function operation<T extends object>(d: SessionManagerDeps, client: ApiClientRecord, name: string, scope: ApiScope, work: () => T | Promise<T>) {
  const audited = { type: `session-manager.${name}`, actor: clientActor(client) };
  try {
    requireScope(client, scope);
    const answer = await work();
    const failed = (answer as { UnsuccessfulList?: unknown[] }).UnsuccessfulList?.length ?? 0;
    d.audit.record({ ...audited, outcome: failed ? 'failure' : 'success', ...(failed ? { detail: `${failed} item${failed === 1 ? '' : 's'} refused` } : {}) });
    return { RequestId: currentRequestId() ?? crypto.randomUUID(), ...answer };
  } catch (err) {
    d.audit.record({ ...audited, outcome: 'failure', detail: (err as Error).message.slice(0, 200) });
    throw err;
  }
}

/**
 * DCV Session Manager's broker API (its OpenAPI document, dcv-session-manager-api.yaml beside this file),
 * at the paths it gives, for API clients with an access token from POST /oauth2/token. Every operation
 * maps onto the director's own services: pool placement and launch settings, sessions, sharing,
 * screenshots, maintenance drain and connection tokens.
 */
export const sessionManagerRoutes = (d: SessionManagerDeps, clients: ApiClients) =>
  new Elysia({ name: 'director.session-manager' })
    .use(requireApiClient(clients))
    .post('/describeServers', ({ body, client }) => operation(d, client, 'describeServers', 'servers:read', () => describeServers(d, client, body)), {
      ...jsonValue(true, DescribeServersBody),
      response: { 200: DescribeServersAnswer, ...ERRORS },
      detail: { summary: 'Session Manager describeServers: the servers the client sees (servers:read)', ...SECURITY },
    })
    .post('/describeSessions', ({ body, client }) => operation(d, client, 'describeSessions', 'sessions:read', () => describeSessions(d, client, body)), {
      ...jsonValue(true, DescribeSessionsBody),
      response: { 200: DescribeSessionsAnswer, ...ERRORS },
      detail: { summary: 'Session Manager describeSessions: filters owner and tag:<key>, MaxResults and NextToken paging (sessions:read)', ...SECURITY },
    })
    .post('/createSessions', ({ body, client }) => operation(d, client, 'createSessions', 'sessions:write', async () => (await createSessions(d, client, body)).answer), {
      ...jsonValue(false, CreateSessionsBody),
      response: { 200: CreateSessionsAnswer, ...ERRORS },
      detail: {
        summary: 'Session Manager createSessions: each accepted item answered CREATING and placed in a pool after the answer; refused items in UnsuccessfulList (sessions:write)',
        ...SECURITY,
      },
    })
    .post('/deleteSessions', ({ body, client }) => operation(d, client, 'deleteSessions', 'sessions:write', () => deleteSessions(d, client, body)), {
      ...jsonValue(false, DeleteSessionsBody),
      response: { 200: DeleteSessionsAnswer, ...ERRORS },
      detail: { summary: 'Session Manager deleteSessions (sessions:write)', ...SECURITY },
    })
    .put('/sessionPermissions', ({ body, client }) => operation(d, client, 'updateSessionPermissions', 'sessions:write', () => updatePermissions(d, client, body)), {
      ...jsonValue(false, UpdatePermissionsBody),
      response: { 200: UpdatePermissionsAnswer, ...ERRORS },
      detail: { summary: "Session Manager updateSessionPermissions: the file's share lines become the session's shares (sessions:write)", ...SECURITY },
    })
    .get(
      '/sessionConnectionData/:sessionId/:user',
      async ({ params, client, set }) => {
        set.headers['cache-control'] = 'no-store';
        try {
          const { RequestId: _unused, ...answer } = await operation(d, client, 'GetSessionConnectionData', 'sessions:write', () => connectionData(d, client, params.sessionId, params.user));
          return answer;
        } catch (err) {
          // The YAML gives this operation 400 for what cannot be answered (no such session, host away): same code, its status.
          if (err instanceof ApiError && (err.status === 404 || err.status === 503)) throw new ApiError(400, err.code, err.message);
          throw err;
        }
      },
      {
        params: ConnectionDataParams,
        response: { 200: ConnectionDataAnswer, ...ERRORS },
        detail: { summary: 'Session Manager GetSessionConnectionData: a connection token for the user (sessions:write)', ...SECURITY },
      },
    )
    .post('/getSessionScreenshots', ({ body, client }) => operation(d, client, 'getSessionScreenshots', 'screenshots:read', () => screenshots(d, client, body)), {
      ...jsonValue(false, ScreenshotsBody),
      response: { 200: ScreenshotsAnswer, ...ERRORS },
      detail: { summary: 'Session Manager getSessionScreenshots: PNG, base64 (screenshots:read)', ...SECURITY },
    })
    .post('/openServers', ({ body, client }) => operation(d, client, 'openServers', 'servers:write', () => openServers(d, client, body)), {
      ...jsonValue(false, OpenServersBody),
      response: { 200: OpenServersAnswer, ...ERRORS },
      detail: { summary: 'Session Manager openServers: lift the maintenance drain (servers:write)', ...SECURITY },
    })
    .post('/closeServers', ({ body, client }) => operation(d, client, 'closeServers', 'servers:write', () => closeServers(d, client, body)), {
      ...jsonValue(false, CloseServersBody),
      response: { 200: CloseServersAnswer, ...ERRORS },
      detail: { summary: 'Session Manager closeServers: drain; a server with running sessions only with Force (servers:write)', ...SECURITY },
    });
