import { Elysia } from 'elysia';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers } from '../http/models.ts';
import { DirectorsAnswer } from './models.ts';
import { DIRECTOR_ALIVE_MS, policyDisagreement, type DirectorRegistry } from '../cluster/director-registry.ts';
import type { TokenService } from '../tokens/token-service.ts';

/**
 * GET /v1/admin/directors: the directors sharing this store, each with the hash of the policy it
 * loaded, and a warning when they disagree (one has not loaded the stored policy's newest version, or
 * runs a release that reads only the policy files).
 */
export const adminDirectorsRoute = (d: { tokens: TokenService; registry: DirectorRegistry; selfId: string }) =>
  new Elysia({ name: 'director.admin.directors', prefix: '/v1/admin' }).use(requireAdmin(d.tokens)).get(
    '/directors',
    async () => {
      const list = await d.registry.list(DIRECTOR_ALIVE_MS);
      const disagree = policyDisagreement(list);
      return {
        directors: list.map((x) => ({
          id: x.id,
          name: x.name,
          policyHash: x.policyHash,
          startedAt: new Date(x.startedAt).toISOString(),
          lastSeen: new Date(x.lastSeen).toISOString(),
          self: x.id === d.selfId,
        })),
        policyConsistent: !disagree,
        ...(disagree
          ? {
              warning:
                "directors run with different policies: one has not loaded the stored policy's newest version (its log says why; SIGHUP makes it re-read the store), or runs a release that reads only its policy files",
            }
          : {}),
      };
    },
    {
      response: { 200: DirectorsAnswer, ...errorAnswers(401, 403, 503) },
      detail: { summary: 'Directors sharing the store, with the hash of the policy each loaded and a warning when they disagree', ...ADMIN },
    },
  );
