import { t } from 'elysia';
import { coded, OneOf, Time } from '../http/models.ts';
import { SessionView } from '../servers/models.ts';

const Role = OneOf(['viewer', 'collaborator'], { description: 'viewer: display only; collaborator: display, keyboard, mouse and pointer' });

export const ShareSessionParams = t.Object({ id: t.String() });
export const ShareParams = t.Object({ id: t.String(), user: t.String() });

/** POST /v1/user/sessions/{id}/shares. */
export const ShareBody = t.Object({
  user: coded('INVALID_SHARE_USER', t.String({ minLength: 1, maxLength: 193, description: 'Who to let in: a user the policy allows on the session’s server' })),
  role: coded('INVALID_ROLE', Role),
});

/** One share as the owner sees it. */
const ShareView = t.Object({ sessionId: t.String(), serverId: t.String(), user: t.String(), role: Role, grantedAt: Time() });
export const ShareAnswer = t.Object({ share: ShareView });

/** DELETE /v1/user/sessions/{id}/shares/{user}: the share is gone; `applied` false when the host could not be told yet. */
export const UnshareAnswer = t.Object({
  ok: t.Literal(true),
  applied: t.Boolean({ description: 'The session’s host has the permissions file without the user; false: connections already open may last until it is told' }),
  message: t.Optional(t.String()),
});

/** GET /v1/user/shares: sessions shared with the caller, and the shares the caller made. */
export const SharesAnswer = t.Object({
  sharedWithMe: t.Array(t.Object({ session: SessionView, role: Role, owner: t.String() })),
  myShares: t.Array(ShareView),
});
