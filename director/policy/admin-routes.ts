import { Elysia } from 'elysia';
import { badRequest } from '../../shared/errors.ts';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers, jsonBody } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { explainAccess } from './explain.ts';
import type { PolicyHolder } from './holder.ts';
import { ExplainAnswer, ExplainQuery, PolicyAnswer, PolicySaveBody, PolicySaved } from './models.ts';
import { isGroupName } from './schema.ts';
import type { PolicyVersionInfo } from './version-store.ts';
import type { PolicyVersions } from './versions.ts';

/** Most groups one explain question may carry. */
const MAX_GROUPS = 100;

const versionView = (info: PolicyVersionInfo) => ({ ...info, createdAt: new Date(info.createdAt).toISOString() });

/**
 * Admin routes over the policy: read it with its version and history, save an edit (a new version, in
 * force on every director), and explain which entries grant a user a server or a pool.
 */
export const adminPolicyRoutes = (d: { tokens: TokenService; policy: PolicyHolder; versions: PolicyVersions; isKnownServer: (id: string) => boolean }) =>
  new Elysia({ name: 'director.admin.policy', prefix: '/v1/admin' })
    .use(requireAdmin(d.tokens))
    .get(
      '/policy',
      async () => {
        const state = d.policy.state;
        return { status: { ...state, version: state.version && versionView(state.version) }, documents: d.policy.documents, history: (await d.versions.history()).map(versionView) };
      },
      {
        response: { 200: PolicyAnswer, ...errorAnswers(401, 403, 503) },
        detail: { summary: 'The policy in force, its version, the last reload outcome and the newest versions', ...ADMIN },
      },
    )
    .put(
      '/policy',
      async ({ body, session }) => {
        const saved = await d.versions.save({ users: body.users, pools: body.pools }, body.version, session.sub);
        return { changed: saved.changed, version: versionView(saved.version) };
      },
      {
        ...jsonBody,
        body: PolicySaveBody,
        response: { 200: PolicySaved, ...errorAnswers(400, 401, 403, 409, 503) },
        detail: {
          summary:
            'Save both policy documents as a new version (audited policy.update with a diff), in force on every director; 400 POLICY_INVALID names the file and key, 409 POLICY_VERSION_CONFLICT when another save landed since `version`',
          ...ADMIN,
        },
      },
    )
    .get(
      '/policy/explain',
      ({ query, request }) => {
        if ((query.server === undefined) === (query.pool === undefined)) throw badRequest('INVALID_QUERY', 'give either server or pool');
        // Read from the URL: a query model of an array would split group names at commas.
        const groups = new URL(request.url).searchParams.getAll('groups').filter((group) => group !== '');
        if (groups.length > MAX_GROUPS) throw badRequest('INVALID_QUERY', `at most ${MAX_GROUPS} groups`);
        const bad = groups.find((group) => !isGroupName(group));
        if (bad !== undefined) throw badRequest('INVALID_QUERY', `groups: "${bad.slice(0, 40)}" is not a group name`);
        const explained = explainAccess(d.policy.current, { user: query.user, groups, server: query.server, pool: query.pool }, d.isKnownServer);
        return { ...explained, ...(query.server === undefined ? { pool: query.pool } : { server: query.server }), version: d.policy.versionNumber };
      },
      {
        query: ExplainQuery,
        response: { 200: ExplainAnswer, ...errorAnswers(400, 401, 403) },
        detail: { summary: 'Which entries of the policy grant a user (with the groups given) a server or a pool, or that none does', ...ADMIN },
      },
    );
