import type { Static } from 'elysia';
import { screenshotSize } from '../../shared/api/screenshot.ts';
import { notFound } from '../../shared/errors.ts';
import { clientActor } from '../api-clients/service.ts';
import type { ApiClientRecord } from '../api-clients/store.ts';
import { groupsOf } from '../policy/evaluate.ts';
import { FULL_PROFILE_LINES, profileFor } from '../policy/permission-profiles.ts';
import { failureReason, ItemFailure, seesServer, visibleSession, type SessionManagerDeps } from './deps.ts';
import type { CloseServersBody, DeleteSessionsBody, OpenServersBody, ScreenshotsBody, UpdatePermissionsBody } from './models.ts';
import { permissionLines, sharesFrom } from './permissions-file.ts';
import { REQUESTS_KEPT_MS } from './request-states.ts';
import type { SessionRequest } from './request-store.ts';
import { smSession } from './views.ts';

/** A session the client sees whose owner is `owner` when given (Session Manager names both), or an Error for its FailureReason. */
async function ownedSession(deps: SessionManagerDeps, client: ApiClientRecord, sessionId: string, owner?: string) {
  const session = await visibleSession(deps, client, sessionId);
  if (!session || (owner !== undefined && owner !== session.owner)) throw notFound('SESSION_NOT_FOUND', owner === undefined ? 'no such session' : `no session ${sessionId} owned by ${owner}`);
  return session;
}

/** Runs `each` on every item; a thrown error becomes the item's UnsuccessfulList entry. */
async function perItem<I, S, U>(items: I[], each: (item: I) => Promise<S>, failed: (item: I, reason: string) => U) {
  const SuccessfulList: S[] = [];
  const UnsuccessfulList: U[] = [];
  for (const item of items) {
    try {
      SuccessfulList.push(await each(item));
    } catch (err) {
      UnsuccessfulList.push(failed(item, failureReason(err)));
    }
  }
  return { SuccessfulList, UnsuccessfulList };
}

/**
 * deleteSessions: each session closed through its agent before the answer (Force changes nothing: dcvix
 * always closes at once). describeSessions shows it DELETING meanwhile, then DELETED for REQUESTS_KEPT_MS;
 * a close that fails leaves it READY.
 */
export const deleteSessions = (deps: SessionManagerDeps, client: ApiClientRecord, items: Static<typeof DeleteSessionsBody>) =>
  perItem(
    items,
    async (item) => {
      const session = await ownedSession(deps, client, item.SessionId, item.Owner);
      const at = deps.clock.now();
      const request: SessionRequest = {
        id: session.id,
        owner: session.owner,
        clientId: client.id,
        type: session.type,
        ...(session.pool ? { pool: session.pool } : {}),
        state: 'deleting',
        createdAt: at,
        updatedAt: at,
      };
      await deps.requests.put(request, at - REQUESTS_KEPT_MS);
      try {
        await deps.sessions.close(session.id, { user: clientActor(client), admin: true });
      } catch (err) {
        await deps.requests.remove(session.id).catch((error: unknown) => deps.log.warn('delete mark not taken back after a failed close', { sessionId: session.id, error }));
        throw err;
      }
      const done = deps.clock.now();
      await deps.requests.put({ ...request, state: 'deleted', updatedAt: done }, done - REQUESTS_KEPT_MS);
      return { SessionId: session.id, State: 'DELETED' };
    },
    (item, FailureReason) => ({ SessionId: item.SessionId, FailureReason }),
  );

/**
 * GetSessionConnectionData: a connection token for `user` (the owner, or someone it is shared with)
 * that the DCV auth-token verifier accepts for this session, like the director's own.
 * @throws ApiError 404 SESSION_NOT_FOUND (not the client's to see, or `user` may not open it)
 */
export async function connectionData(deps: SessionManagerDeps, client: ApiClientRecord, sessionId: string, user: string) {
  const session = await ownedSession(deps, client, sessionId);
  if (user !== session.owner && !(await deps.sharing.admits(session, user))) throw notFound('SESSION_NOT_FOUND', `${user} may not open this session: not its owner, and it is not shared with them`);
  const server = deps.sessions.onlineServer(session.serverId);
  const { token, jti } = await deps.connections.issue(session, user);
  deps.audit.record({ type: 'connection.token', actor: clientActor(client), target: session.id, outcome: 'success', detail: `for ${user}; token id ${jti}` });
  return { Session: smSession(deps, session, server), ConnectionToken: token };
}

/**
 * updateSessionPermissions: the file becomes the session's shares (sharing/): lines of its profile are
 * taken as they are, each further line must be a viewer's or a collaborator's share line; shares it
 * leaves out are taken back.
 */
export const updatePermissions = (deps: SessionManagerDeps, client: ApiClientRecord, items: Static<typeof UpdatePermissionsBody>) =>
  perItem(
    items,
    async (item) => {
      const session = await ownedSession(deps, client, item.SessionId, item.Owner);
      const policy = deps.policy.current;
      const owner = { user: session.owner, groups: groupsOf(policy, session.owner) };
      const read = permissionLines(item.PermissionsFile);
      const wanted = 'problem' in read ? read : sharesFrom(read.lines, profileFor(policy, owner.groups, session.serverId, session.pool)?.lines ?? FULL_PROFILE_LINES);
      if ('problem' in wanted) throw new ItemFailure(wanted.problem);
      const current = (await deps.sharing.listFor(owner)).byMe.filter((entry) => entry.session.id === session.id).map((entry) => entry.share);
      for (const share of current) if (!wanted.shares.some((next) => next.user === share.user)) await deps.sharing.unshare(owner, session.id, share.user);
      for (const next of wanted.shares) {
        if (!current.some((share) => share.user === next.user && share.role === next.role)) await deps.sharing.share(owner, session.id, next.user, next.role);
      }
      return { SessionId: session.id };
    },
    (item, FailureReason) => ({ SessionId: item.SessionId, FailureReason }),
  );

/** getSessionScreenshots: each session's screenshot (PNG, base64) from the shared screenshot cache. */
export const screenshots = (deps: SessionManagerDeps, client: ApiClientRecord, items: Static<typeof ScreenshotsBody>) =>
  perItem(
    items,
    async (item) => {
      const size = screenshotSize({ maxWidth: item.MaxWidth == null ? undefined : String(item.MaxWidth), maxHeight: item.MaxHeight == null ? undefined : String(item.MaxHeight) });
      const session = await ownedSession(deps, client, item.SessionId);
      const image = await deps.thumbnails.image(session.id, () => deps.sessions.onlineServer(session.serverId), size);
      deps.audit.record({ type: 'session.screenshot', actor: clientActor(client), target: session.id, outcome: 'success', detail: `screenshot of ${session.owner}'s session on ${session.serverId}` });
      const png = { Format: 'png' as const, Data: Buffer.from(image.png).toString('base64'), CreationTime: new Date(image.takenAt).toISOString(), Primary: true };
      return { SessionScreenshot: { SessionId: session.id, Images: [png] } };
    },
    (item, FailureReason) => ({ GetSessionScreenshotRequestData: item, FailureReason }),
  );

/** A server the client sees, or 404 SERVER_NOT_FOUND. */
function visibleServer(deps: SessionManagerDeps, client: ApiClientRecord, serverId: string): string {
  if (!seesServer(deps, client, serverId)) throw notFound('SERVER_NOT_FOUND', `no server named ${serverId}`);
  return serverId;
}

const failureCode = (reason: string) => reason.split(':')[0] ?? 'INTERNAL';

/** openServers: each server open for placement again (our maintenance drain lifted). */
export const openServers = (deps: SessionManagerDeps, client: ApiClientRecord, items: Static<typeof OpenServersBody>) =>
  perItem(
    items,
    async (item) => ({ ServerId: (await deps.maintenance.open(clientActor(client), visibleServer(deps, client, item.ServerId))).server.id }),
    (item, FailureReason) => ({ OpenServerRequestData: item, FailureCode: failureCode(FailureReason), FailureReason }),
  );

/** closeServers: each server drained (no new sessions); one with running sessions only with Force, as Session Manager does. */
export const closeServers = (deps: SessionManagerDeps, client: ApiClientRecord, items: Static<typeof CloseServersBody>) =>
  perItem(
    items,
    async (item) => {
      const serverId = visibleServer(deps, client, item.ServerId);
      const running = deps.state.sessionCountOn(serverId);
      if (running > 0 && !item.Force)
        throw new ItemFailure(`SERVER_HAS_SESSIONS: ${serverId} has ${running} running session${running === 1 ? '' : 's'}; send Force: true to close it anyway (they keep running)`);
      return { ServerId: (await deps.maintenance.drain(clientActor(client), serverId, 'closed through the Session Manager API')).server.id };
    },
    (item, FailureReason) => ({ CloseServerRequestData: item, FailureCode: failureCode(FailureReason), FailureReason }),
  );
