import type { Static } from 'elysia';
import { splitTag } from '../../shared/api/tags.ts';
import { badRequest } from '../../shared/errors.ts';
import type { ApiClientRecord } from '../api-clients/store.ts';
import type { ServerEntry } from '../servers/records.ts';
import { seesRequest, seesServer, seesSession, type SessionManagerDeps } from './deps.ts';
import type { DescribeServersBody, DescribeSessionsBody } from './models.ts';
import { REQUESTS_KEPT_MS, requestState } from './request-states.ts';
import { smRequest, smServer, smSession } from './views.ts';

/**
 * One page of `items` (sorted by id): MaxResults of them (default 1000) after the NextToken's id. The
 * token is the last id answered, base64url-encoded: opaque to clients, and stable while items come and go.
 */
function page<T extends { id: string }>(items: T[], request: { MaxResults?: number; NextToken?: string }): { items: T[]; NextToken?: string } {
  const sorted = items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let after = '';
  if (request.NextToken !== undefined) {
    after = Buffer.from(request.NextToken, 'base64url').toString('utf8');
    if (!after || Buffer.from(after).toString('base64url') !== request.NextToken) throw badRequest('INVALID_BODY', 'NextToken is not one this director gave');
  }
  const rest = after ? sorted.filter((item) => item.id > after) : sorted;
  const max = request.MaxResults ?? 1000;
  const taken = rest.slice(0, max);
  return rest.length > max ? { items: taken, NextToken: Buffer.from(taken.at(-1)!.id).toString('base64url') } : { items: taken };
}

/** describeServers: the servers the client sees, or those of ServerIds among them. */
export function describeServers(deps: SessionManagerDeps, client: ApiClientRecord, body: Static<typeof DescribeServersBody>) {
  const wanted = body.ServerIds ? new Set(body.ServerIds) : undefined;
  const servers = [...deps.state.allServers()].filter((server) => (!wanted || wanted.has(server.id)) && seesServer(deps, client, server.id));
  const answered = page(servers, body);
  return { Servers: answered.items.map((server) => smServer(deps, server)), ...(answered.NextToken ? { NextToken: answered.NextToken } : {}) };
}

/** A describeSessions filter as a test on a session's owner and server (none yet: no tag matches); 400 INVALID_BODY for a key Session Manager does not name. */
function filterTest(filter: { Key: string; Value: string }): (owner: string, server: ServerEntry | undefined) => boolean {
  if (filter.Key === 'owner') return (owner) => owner === filter.Value;
  if (filter.Key.startsWith('tag:')) {
    const key = filter.Key.slice(4);
    return (_owner, server) => !!server?.tags.some((tag) => splitTag(tag).key === key && splitTag(tag).value === filter.Value);
  }
  throw badRequest('INVALID_BODY', `Filters: "${filter.Key.slice(0, 40)}" is not a filter (owner, or tag:<key>)`);
}

/**
 * describeSessions: the sessions the client sees, narrowed by SessionIds and Filters (all must hold):
 * live ones (READY, UNKNOWN while their host is out of touch, DELETING while a delete runs), and the
 * requests of the last REQUESTS_KEPT_MS without a live session (CREATING, DELETED after a failed
 * create with its StateReason, or after a delete).
 */
export async function describeSessions(deps: SessionManagerDeps, client: ApiClientRecord, body: Static<typeof DescribeSessionsBody>) {
  const wanted = body.SessionIds ? new Set(body.SessionIds) : undefined;
  const tests = (body.Filters ?? []).map(filterTest);
  const now = deps.clock.now();
  const requests = new Map((await deps.requests.list(now - REQUESTS_KEPT_MS)).filter((request) => seesRequest(client, request)).map((request) => [request.id, request]));
  const found: { id: string; owner: string; server?: ServerEntry; view: () => ReturnType<typeof smSession> | ReturnType<typeof smRequest> }[] = [];
  for (const session of deps.state.allSessions()) {
    const server = deps.state.server(session.serverId);
    if (!server || !seesSession(client, session)) continue;
    const request = requests.get(session.id);
    requests.delete(session.id);
    const state = request?.state === 'deleting' || request?.state === 'deleted' ? requestState(request, now) : undefined;
    found.push({ id: session.id, owner: session.owner, server, view: () => smSession(deps, session, server, state) });
  }
  for (const request of requests.values()) found.push({ id: request.id, owner: request.owner, view: () => smRequest(request, requestState(request, now)) });
  const matching = found.filter((entry) => (!wanted || wanted.has(entry.id)) && tests.every((holds) => holds(entry.owner, entry.server)));
  const answered = page(matching, body);
  return { Sessions: answered.items.map((entry) => entry.view()), ...(answered.NextToken ? { NextToken: answered.NextToken } : {}) };
}
