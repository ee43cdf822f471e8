import { t } from 'elysia';
import { Nullable, Time } from '../http/models.ts';

/** GET /v1/admin/policy: the policy as loaded, with the last reload's outcome. */
export const PolicyAnswer = t.Object({
  status: t.Object({ loadedAt: Nullable(Time()), lastAttemptAt: Nullable(Time()), lastError: Nullable(t.String()), files: t.Array(t.String()) }),
  documents: t.Object({ users: t.Unknown({ description: 'users.json as loaded' }), pools: t.Unknown({ description: 'pools.json as loaded' }) }),
});
