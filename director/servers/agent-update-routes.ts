import { Elysia } from 'elysia';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { requireAgent } from '../http/guards.ts';
import { jsonObject } from '../http/json-body.ts';
import type { AgentService } from '../agents/service.ts';
import type { RuntimeState } from './runtime-state.ts';
import { parseAgentUpdate } from './update-body.ts';

/** POST /v1/agent/update (mTLS): an agent reports its sessions, stats and tags. */
export const agentUpdateRoutes = (deps: { agents: AgentService; state: RuntimeState; defaultAgentPort: number }) =>
  new Elysia({ name: 'director.agents.update', prefix: '/v1/agent' })
    .use(requireAgent(deps.agents))
    .post(
      '/update',
      ({ body, agent, request }) => {
        const update = parseAgentUpdate(jsonObject(body));
        deps.state.applyUpdate({
          guid: agent.guid,
          // The registered host name, not whatever the body claims: policy names servers by it.
          hostname: agent.hostname,
          address: connectionInfo(request).remoteAddress,
          agentPort: update.agentPort ?? deps.defaultAgentPort,
          stats: update.stats,
          tags: update.tags,
          version: update.version,
          dcvError: update.dcvError,
          dcvTimeoutMs: update.dcvTimeoutMs,
          sessions: update.sessions,
        });
        deps.agents.markSeen(agent.guid);
        return { ok: true, sessions: update.sessions.length };
      },
      { parse: 'text' },
    );
