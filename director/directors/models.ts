import { t } from 'elysia';
import { Time } from '../http/models.ts';

/** GET /v1/admin/directors: the directors sharing the store and whether their policies agree. */
export const DirectorsAnswer = t.Object({
  directors: t.Array(
    t.Object({
      id: t.String(),
      name: t.String({ description: 'Host name' }),
      policyHash: t.String({ description: 'Hash of the policy this director loaded' }),
      startedAt: Time(),
      lastSeen: Time(),
      self: t.Boolean({ description: 'The director answering' }),
    }),
  ),
  policyConsistent: t.Boolean(),
  warning: t.Optional(t.String()),
});
