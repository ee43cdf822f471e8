import { isSessionId, isUserName } from '../../shared/api/agent-wire.ts';
import type { Clock } from '../../shared/clock.ts';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { checkOptions } from '../../shared/options.ts';
import type { AgentClient } from '../agent-client/client.ts';
import type { AuditLog } from '../audit/types.ts';
import { profileFor } from '../policy/permission-profiles.ts';
import type { PolicyHolder } from '../policy/holder.ts';
import type { SessionEntry } from '../servers/records.ts';
import type { SessionService, UserRef } from '../sessions/service.ts';
import { policyAllows } from '../sessions/trust.ts';
import { sessionPermissionsText } from './permissions-text.ts';
import type { Share, ShareRole, ShareStore } from './share-store.ts';

/** Most users one session may be shared with at once (the permissions file stays small). */
const MAX_SHARES_PER_SESSION = 20;

export interface SharingOptions {
  shares: ShareStore;
  sessions: Pick<SessionService, 'ownSession' | 'onlineServer' | 'managed' | 'serialised'>;
  /** A live session by id: memory first, then the store. */
  findSession: (id: string) => Promise<SessionEntry | undefined>;
  /** Whether a server is one this director knows (a "*" pool holds exactly these). */
  isKnownServer: (id: string) => boolean;
  policy: PolicyHolder;
  agents: Pick<AgentClient, 'setPermissions'>;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
}

/** A share still counts: its session is live, unorphaned, has the owner the share was made by, and started before the grant. */
export const shareCounts = (share: Share, session: SessionEntry): boolean => !session.orphaned && share.owner === session.owner && share.grantedAt >= session.createdAt;

/**
 * Session sharing: an owner lets a user the policy allows on the session's server into it, as viewer
 * or collaborator, and takes that back. The rows are the truth (every director and the DCV verifier
 * read them); the session's DCV permissions file follows them, written whole on every change (its
 * profile plus one line per share) under a lock per session held on every director, so two changes
 * never leave the host with a file that misses one of them.
 */
export class SharingService {
  private readonly o: SharingOptions;

  constructor(options: SharingOptions) {
    this.o = checkOptions('SharingService', options, {
      shares: 'object',
      sessions: 'object',
      findSession: 'function',
      isKnownServer: 'function',
      policy: 'object',
      agents: 'object',
      audit: 'object',
      clock: 'object',
      log: 'object',
    });
  }

  /**
   * Shares the owner's session with `user` (again: the role is replaced). The host is told first; the
   * row is written once it applied the file, so a refusal there changes nothing.
   * @throws ApiError 400 INVALID_SHARE_USER | 403 NOT_PERMITTED | 404 SESSION_NOT_FOUND | 409 SHARE_LIMIT_REACHED | 502/503 from the host
   */
  async share(owner: UserRef, sessionId: string, user: string, role: ShareRole): Promise<{ share: Share; session: SessionEntry }> {
    if (!isUserName(user)) throw badRequest('INVALID_SHARE_USER', 'not a user name a DCV permissions file can hold (letters, digits, _ . - and one @domain; no spaces or %)');
    const session = await this.o.sessions.ownSession(sessionId, owner.user, owner.groups);
    if (user === session.owner) throw badRequest('INVALID_SHARE_USER', 'you own this session already');
    if (!policyAllows(this.o.policy.current, user, session.serverId, this.o.isKnownServer)) throw forbidden('NOT_PERMITTED', `the policy does not allow ${user} on ${session.serverId}`);
    return this.o.sessions.serialised(`share:${session.id}`, async () => {
      const others = (await this.current(session)).filter((share) => share.user !== user);
      if (others.length >= MAX_SHARES_PER_SESSION) throw conflict('SHARE_LIMIT_REACHED', `a session may be shared with at most ${MAX_SHARES_PER_SESSION} users at once`);
      const share: Share = { sessionId: session.id, user, role, owner: session.owner, grantedAt: this.o.clock.now() };
      const audited = { type: 'session.share', actor: owner.user, target: session.id };
      try {
        await this.apply(session, owner.groups, [...others, share]);
        await this.o.shares.put(share);
      } catch (err) {
        this.o.audit.record({ ...audited, outcome: 'failure', detail: `${user} as ${role} on ${session.serverId}: ${(err as Error).message.slice(0, 200)}` });
        throw err;
      }
      this.o.audit.record({ ...audited, outcome: 'success', detail: `${user} as ${role} on ${session.serverId}` });
      return { share, session };
    });
  }

  /**
   * Takes a share back. The row goes first: from then on no director issues the invitee a token and
   * the verifier refuses them. Then the host gets the file without their line; if it cannot be told,
   * the answer says so (`applied: false`): connections already open may last until it is.
   * @throws ApiError 404 SESSION_NOT_FOUND | 404 SHARE_NOT_FOUND
   */
  async unshare(owner: UserRef, sessionId: string, user: string): Promise<{ applied: boolean; message?: string }> {
    const session = await this.o.sessions.ownSession(sessionId, owner.user, owner.groups);
    return this.o.sessions.serialised(`share:${session.id}`, async () => {
      const removed = isUserName(user) ? await this.o.shares.remove(session.id, user) : undefined;
      if (!removed || !shareCounts(removed, session)) throw notFound('SHARE_NOT_FOUND', `${session.id} is not shared with that user`);
      const audited = { type: 'session.unshare', actor: owner.user, target: session.id };
      try {
        await this.apply(session, owner.groups, await this.current(session));
      } catch (err) {
        const message = `the share is gone, but ${session.serverId} was not told: ${(err as Error).message.slice(0, 200)}`;
        this.o.log.warn('share removed; the host keeps the old permissions until told', { sessionId: session.id, user, error: err });
        this.o.audit.record({ ...audited, outcome: 'success', detail: `${user}; ${message}` });
        return { applied: false, message };
      }
      this.o.audit.record({ ...audited, outcome: 'success', detail: `${user} on ${session.serverId}` });
      return { applied: true };
    });
  }

  /** The caller's shares both ways: sessions shared with them (that they may still use), and those they made. */
  async listFor(who: UserRef): Promise<{ withMe: { share: Share; session: SessionEntry }[]; byMe: { share: Share; session: SessionEntry }[] }> {
    const [withMe, byMe] = await Promise.all([this.o.shares.withUser(who.user), this.o.shares.byOwner(who.user)]);
    const live = async (shares: Share[], usable: (session: SessionEntry) => boolean) => {
      const found = await Promise.all(shares.map(async (share) => ({ share, session: await this.o.findSession(share.sessionId) })));
      return found.filter((entry): entry is { share: Share; session: SessionEntry } => !!entry.session && shareCounts(entry.share, entry.session) && usable(entry.session));
    };
    return {
      withMe: await live(withMe, (session) => this.inviteeMayUse(who, session)),
      byMe: await live(byMe, (session) => this.o.sessions.managed(session, who.groups)),
    };
  }

  /**
   * A session the caller may open: their own, or one shared with them that they may use (the policy
   * allows them on its server under their token's groups).
   * @throws ApiError 404 SESSION_NOT_FOUND (never telling whether someone else's session exists)
   */
  async openable(sessionId: string, who: UserRef): Promise<SessionEntry> {
    try {
      return await this.o.sessions.ownSession(sessionId, who.user, who.groups);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'SESSION_NOT_FOUND')) throw err;
    }
    const share = isSessionId(sessionId) ? await this.o.shares.get(sessionId, who.user) : undefined;
    const session = share ? await this.o.findSession(sessionId) : undefined;
    if (!share || !session || !shareCounts(share, session) || !this.inviteeMayUse(who, session)) throw notFound('SESSION_NOT_FOUND', 'no such session');
    return session;
  }

  /**
   * Whether `user`, not the owner, may be let into `session` by the DCV verifier: only while a share
   * that counts is stored. A store that cannot say is a no.
   */
  async admits(session: SessionEntry, user: string): Promise<boolean> {
    try {
      const share = await this.o.shares.get(session.id, user);
      return share !== undefined && shareCounts(share, session);
    } catch (error) {
      this.o.log.warn('share lookup failed; the invitee is refused', { sessionId: session.id, error });
      return false;
    }
  }

  private inviteeMayUse(who: UserRef, session: SessionEntry): boolean {
    return this.o.sessions.managed(session) && policyAllows(this.o.policy.current, who.user, session.serverId, this.o.isKnownServer, who.groups);
  }

  /** The session's shares that count now. */
  private async current(session: SessionEntry): Promise<Share[]> {
    return (await this.o.shares.ofSession(session.id)).filter((share) => shareCounts(share, session));
  }

  /** Sends the session's whole permissions file: the owner's profile for it, then these shares. */
  private async apply(session: SessionEntry, ownerGroups: readonly string[], shares: readonly Share[]): Promise<void> {
    const server = this.o.sessions.onlineServer(session.serverId);
    const profile = profileFor(this.o.policy.current, ownerGroups, session.serverId, session.pool);
    await this.o.agents.setPermissions(server, session.id, sessionPermissionsText(profile?.lines, shares));
  }
}
