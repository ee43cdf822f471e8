/** Login wiring: the external-command backend and the policy admin flag (full chain in login-service). */
import type { Database } from 'bun:sqlite';
import type { Clock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { createExternalAuthenticator } from '../auth/external.ts';
import type { DirectorConfig } from '../config/schema.ts';
import { groupsOf, isAdmin } from '../policy/evaluate.ts';
import type { PolicyHolder } from '../policy/holder.ts';
import type { LoginPort } from './routes.ts';

export function buildLogin(d: { config: DirectorConfig; db: Database; policy: PolicyHolder; clock: Clock; log: Logger }) {
  const ext = createExternalAuthenticator(d.config.auth.external, d.log);
  const login: LoginPort = {
    async login(i) {
      const r = await ext.authenticate({ username: i.username, password: i.password });
      if (r.kind !== 'ok') throw new ApiError(401, 'INVALID_CREDENTIALS', 'wrong user name or password');
      const groups = groupsOf(d.policy.current, r.username, r.groups);
      if (i.role === 'admin' && !isAdmin(d.policy.current, r.username, groups)) throw new ApiError(403, 'NOT_ADMIN', 'not an administrator');
      return { username: r.username, groups, backend: 'external' };
    },
    async health() {
      return { ok: true, backends: [] };
    },
  };
  const audit = { record: (e: unknown) => d.log.info('audit', { e }), list: () => [] };
  return { login, audit };
}
