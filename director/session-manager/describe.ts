import type { Static } from 'elysia';
import { splitTag } from '../../shared/api/tags.ts';
import { badRequest } from '../../shared/errors.ts';
import type { ApiClientRecord } from '../api-clients/store.ts';
import type { ServerEntry, SessionEntry } from '../servers/records.ts';
import { seesServer, seesSession, type SessionManagerDeps } from './deps.ts';
import type { DescribeServersBody, DescribeSessionsBody } from './models.ts';
import { smServer, smSession } from './views.ts';

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

/** A describeSessions filter as a test on a session and its server; 400 INVALID_BODY for a key Session Manager does not name. */
function filterTest(filter: { Key: string; Value: string }): (session: SessionEntry, server: ServerEntry) => boolean {
  if (filter.Key === 'owner') return (session) => session.owner === filter.Value;
  if (filter.Key.startsWith('tag:')) {
    const key = filter.Key.slice(4);
    return (_session, server) => server.tags.some((tag) => splitTag(tag).key === key && splitTag(tag).value === filter.Value);
  }
  throw badRequest('INVALID_BODY', `Filters: "${filter.Key.slice(0, 40)}" is not a filter (owner, or tag:<key>)`);
}

/** describeSessions: the live sessions the client sees, narrowed by SessionIds and Filters (all must hold). */
export function describeSessions(deps: SessionManagerDeps, client: ApiClientRecord, body: Static<typeof DescribeSessionsBody>) {
  const wanted = body.SessionIds ? new Set(body.SessionIds) : undefined;
  const tests = (body.Filters ?? []).map(filterTest);
  const found: { id: string; session: SessionEntry; server: ServerEntry }[] = [];
  for (const session of deps.state.allSessions()) {
    const server = deps.state.server(session.serverId);
    if (!server || (wanted && !wanted.has(session.id)) || !seesSession(client, session)) continue;
    if (tests.every((holds) => holds(session, server))) found.push({ id: session.id, session, server });
  }
  const answered = page(found, body);
  return { Sessions: answered.items.map(({ session, server }) => smSession(deps, session, server)), ...(answered.NextToken ? { NextToken: answered.NextToken } : {}) };
}
