import { parseConfigRequest } from '../../shared/api/agent-api.ts';
import { ApiError, forbidden } from '../../shared/errors.ts';
import type { AgentClient } from '../agent-client/client.ts';
import type { AuditLog } from '../audit/types.ts';
import { refusedConfigKey } from '../policy/config-keys.ts';
import { entitlements, userConfigAllowList } from '../policy/evaluate.ts';
import type { PolicyHolder } from '../policy/holder.ts';
import type { RuntimeState } from '../servers/runtime-state.ts';
import type { SessionService } from './service.ts';

export interface ServerConfigDeps {
  policy: PolicyHolder;
  state: RuntimeState;
  agents: AgentClient;
  sessions: SessionService;
  audit: AuditLog;
}

/** Who asks: the token's user and groups, and whether they hold admin rights now. */
export interface ConfigCaller {
  user: string;
  groups: readonly string[];
  admin: boolean;
}

/**
 * POST /v1/user/servers/{server}/config: sets DCV config on a server through its agent, all or nothing.
 * A user must be allowed on the server (directly or through a pool) and every key must be on their
 * allow-list for it (policy `userConfig`, see evaluate.ts) and not one users may never set; else
 * nothing reaches the agent. Admins may set any key; a request a user could not have made is audited
 * as an admin override. Audit details name section.key only, never values (they may be anything).
 * @returns how many entries were applied
 * @throws ApiError 403 NOT_PERMITTED | CONFIG_KEY_NOT_ALLOWED (with `section` and `key`), 400 INVALID_BODY | INVALID_CONFIG, 404, 502, 503
 */
export async function setServerConfig(deps: ServerConfigDeps, caller: ConfigCaller, serverId: string, body: unknown): Promise<number> {
  const policy = deps.policy.current;
  const allowList = userConfigAllowList(policy, entitlements(policy, caller.user, caller.groups), serverId, (id) => deps.state.server(id) !== undefined);
  // Checked before the body: a caller who may not use the server learns nothing about the body's form.
  if (!allowList && !caller.admin) throw forbidden('NOT_PERMITTED', 'you may not configure this server');
  const { config } = parseConfigRequest(body);
  const keys = `${serverId}: ${config.map((c) => `${c.section}.${c.key}`).join(', ')}`;
  const audit = (outcome: 'success' | 'failure', detail: string) => deps.audit.record({ type: 'server.config', actor: caller.user, target: serverId, outcome, detail: detail.slice(0, 500) });
  const refused = refusedConfigKey(allowList ?? [], config);
  if (refused && !caller.admin) {
    audit('failure', `refused ${refused.section}.${refused.key}: ${keys}`);
    throw new ApiError(403, 'CONFIG_KEY_NOT_ALLOWED', `${refused.section}.${refused.key}: ${refused.why}; nothing was set`, undefined, undefined, {
      section: refused.section,
      key: refused.key,
    });
  }
  const detail = !allowList || refused ? `admin override: ${keys}` : keys;
  try {
    await deps.agents.setConfig(deps.sessions.onlineServer(serverId), config);
  } catch (err) {
    audit('failure', detail);
    throw err;
  }
  audit('success', detail);
  return config.length;
}
