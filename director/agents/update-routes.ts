import { Elysia } from 'elysia';
import type { Logger } from '../../shared/log.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { requireAgent } from '../http/guards.ts';
import { AGENT_CERT, errorAnswers, jsonBody } from '../http/models.ts';
import type { AgentService } from './service.ts';
import type { Fleet } from '../servers/fleet.ts';
import type { ReportRefusal } from '../servers/report-plan.ts';
import { type ApiError, conflict, forbidden } from '../../shared/errors.ts';
import { AgentUpdateAnswer, AgentUpdateBody } from '../../shared/api/agent-update.ts';
import type { DcvCheck } from '../../shared/api/dcv-check.ts';
import type { ServerDcvCheck } from '../servers/dcv-check.ts';
import { parseAgentUpdate, type SkippedItem } from '../servers/update-body.ts';

export interface AgentUpdateDeps {
  agents: AgentService;
  /** Writes the report (committed before the answer: a revoked agent's update is refused, on every director). */
  fleet: Pick<Fleet, 'report'>;
  now: () => number;
  /** Port to call an agent on when its updates name none (the public Go dcvix agent sends no agentPort). */
  defaultAgentPort: number;
  log?: Logger;
  /** The director's verdict on an agent's DCV self-check (is its verifier one of ours?); absent: kept unjudged. */
  judgeDcvCheck?: (check: DcvCheck) => Promise<ServerDcvCheck>;
  /** Counts skipped items (metrics). */
  onSkipped?: (items: SkippedItem[]) => void;
}

/** POST /v1/agent/update (mTLS): an agent reports its sessions, stats, tags, GPUs and host facts. */
export const agentUpdateRoutes = (deps: AgentUpdateDeps) =>
  new Elysia({ name: 'director.agents.update', prefix: '/v1/agent' }).use(requireAgent(deps.agents)).post(
    '/update',
    async ({ body, agent, request }) => {
      const { update, skipped } = parseAgentUpdate(body);
      if (skipped.length) {
        deps.log?.warn('agent update items skipped', { guid: agent.guid, hostname: agent.hostname, skipped: skipped.length, reasons: skipped.slice(0, 5).map((s) => s.reason) });
        deps.onSkipped?.(skipped);
      }
      const dcvCheck = update.dcvCheck && (deps.judgeDcvCheck ? await deps.judgeDcvCheck(update.dcvCheck) : update.dcvCheck);
      const outcome = await deps.fleet.report({
        guid: agent.guid,
        // The registered host name, not whatever the body claims: policy names servers by it.
        hostname: agent.hostname,
        address: connectionInfo(request).remoteAddress,
        agentPort: update.agentPort ?? deps.defaultAgentPort,
        stats: update.stats,
        tags: update.tags,
        gpus: update.gpus,
        host: update.host,
        version: update.version,
        dcvError: update.dcvError,
        dcvTimeoutMs: update.dcvTimeoutMs,
        maxVirtualSessions: update.maxVirtualSessions,
        consoleOnly: update.consoleOnly,
        loadAverage: update.loadAverage,
        dcvCheck,
        sessions: update.sessions,
        at: deps.now(),
      });
      if (outcome.kind === 'refused') throw refusal(outcome.code);
      deps.agents.markSeen(agent.guid);
      return { ok: true as const, sessions: update.sessions.length, skipped: skipped.length };
    },
    {
      ...jsonBody,
      body: AgentUpdateBody,
      response: { 200: AgentUpdateAnswer, ...errorAnswers(400, 401, 403, 409, 503) },
      detail: { summary: 'Sessions, stats (snake_case), tags, GPUs and host facts from an agent; malformed sessions, tags and GPUs are skipped and counted', security: AGENT_CERT },
    },
  );

/** The answer to a refused report: the agent was revoked (or is no longer registered), or another agent holds its host name. */
function refusal(code: ReportRefusal): ApiError {
  if (code === 'HOSTNAME_TAKEN') return conflict('HOSTNAME_TAKEN', 'this host name is held by another agent');
  return forbidden(code, code === 'AGENT_REVOKED' ? 'this agent has been revoked' : 'agent is not registered');
}
