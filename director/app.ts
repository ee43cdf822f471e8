import { Elysia, type AnyElysia } from 'elysia';
import { join } from 'node:path';
import { systemClock, type Clock } from '../shared/clock.ts';
import { startSecureServer, type SecureServer } from '../shared/http/secure-server.ts';
import type { Logger } from '../shared/log.ts';
import { AgentService } from './agents/service.ts';
import { AGENT_TOPIC } from './agents/notifying-store.ts';
import { agentAdminRoutes, agentEnrolmentRoutes } from './agents/routes.ts';
import { createRegisterRate } from './agents/register-rate.ts';
import { CA_FILES, openAuthority, readServerTls } from './ca/authority.ts';
import { openSharedAuthority } from './ca/shared-authority.ts';
import type { DirectorConfig } from './config/schema.ts';
import { Housekeeper } from './housekeeper.ts';
import { connectionInfo } from '../shared/http/connection-info.ts';
import { inAllowList } from './net/cidr.ts';
import { requestLog } from './http/request-log.ts';
import { answerCheck, CHECK_ANSWERS_ENV } from './http/answer-check.ts';
import { healthRoutes } from './http/health-routes.ts';
import { openApiRoutes } from './http/openapi-routes.ts';
import { metricsRoutes } from './metrics/routes.ts';
import { createDirectorMetrics } from './metrics/director-metrics.ts';
import { webRoutes } from './web/routes.ts';
import { diskWebRoutes } from './web/disk-routes.ts';
import { AgentClient } from './agent-client/client.ts';
import { ConnectionTokens } from './dcv/connection-tokens.ts';
import { dcvEndpoint } from './dcv/connection.ts';
import { dcvRoutes } from './dcv/routes.ts';
import { adminPolicyRoutes } from './policy/admin-routes.ts';
import { adminAuditRoutes } from './audit/routes.ts';
import { adminSessionRoutes, userSessionRoutes } from './sessions/routes.ts';
import { adminServerRoutes } from './servers/routes.ts';
import { SessionService } from './sessions/service.ts';
import type { ServerEntry } from './servers/runtime-state.ts';
import { errorHandler } from '../shared/http/error-handler.ts';
import { allowedMethodsIndex } from '../shared/http/allowed-methods.ts';
import { withRequestId } from '../shared/http/request-context.ts';
import { buildLogin, prepareLogin } from './login/build.ts';
import { namingConfigFile } from './config/load.ts';
import { loginRoutes } from './login/routes.ts';
import { totpRoutes } from './login/totp-routes.ts';
import { PolicyHolder } from './policy/holder.ts';
import { agentUpdateRoutes } from './agents/update-routes.ts';
import { RuntimeState } from './servers/runtime-state.ts';
import { openStores } from './open-stores.ts';
import { postgresLeadership, soleLeader } from './cluster/leader.ts';
import { postgresDirectorRegistry, soleDirectorRegistry } from './cluster/director-registry.ts';
import { adminDirectorsRoute } from './directors/routes.ts';
import { policyHash } from './policy/hash.ts';
import { hostname } from 'node:os';
import { createSqliteRuntimeStores } from './store/sqlite-runtime-stores.ts';
import { fallbackTokenUses } from './store/token-uses-postgres.ts';
import { openDatabase } from './store/db.ts';
import { SharedStateFollower } from './servers/shared-state.ts';
import { postgresPlacementLock } from './sessions/placement-lock.ts';
import { RuntimeStateWriter } from './servers/state-writer.ts';
import { ThrottlePersistence } from './auth/throttle-persistence.ts';
import { generateTokenKey, TokenService } from './tokens/token-service.ts';
import { Revocations } from './tokens/revocations.ts';
import { signoutRoutes } from './users/signout-routes.ts';
import { totpAdminRoutes } from './users/totp-reset-routes.ts';
import { currentGroups, isAdmin } from './policy/evaluate.ts';

export interface DirectorDeps {
  log: Logger;
  clock?: Clock;
}

/** The mounted app's type: the web app's Eden Treaty client reads every route's body, query and answers from it. */
export type DirectorApp = Awaited<ReturnType<typeof createDirector>>['app'];

/** Composition only: builds every service from config and mounts the route plugins. */
export async function createDirector(config: DirectorConfig, deps: DirectorDeps) {
  const clock = deps.clock ?? systemClock;
  const log = deps.log;

  // The config arrives parsed and checked, policy included; whatever else can reject it (login
  // backends, second factor) runs here too, before the store, the CA or anything else is written.
  const policy = new PolicyHolder(config.policyDir, log, () => clock.now());
  policy.adopt(config.policy);
  const preparedLogin = namingConfigFile(config.configFile, () => prepareLogin(config, { clock, log }));
  const stores = await openStores({ url: config.store_url, password: config.storePassword, dataDir: config.data_dir }, log);
  const caOptions = { dataDir: config.data_dir, hostnames: config.hostnames, clock, onEvent: (msg: string, fields: Record<string, unknown>) => log.info(msg, fields) };
  const ca = stores.sql
    ? await openSharedAuthority({ ...caOptions, sql: stores.sql, sealKey: config.storeCaKey!, tokenKey: config.token_key! }).catch(async (err) => {
        await stores.close();
        throw err;
      })
    : await openAuthority(caOptions);
  log.info('CA ready', { fingerprintSha256: ca.fingerprint });

  let tokenKey = config.token_key;
  if (!tokenKey) {
    tokenKey = generateTokenKey();
    log.warn('token_key is not set: using an ephemeral key; every session token dies with this process');
  }
  const tokens = new TokenService({ key: tokenKey, clock, previousKeys: config.token_key_previous });
  const revocations = await Revocations.open(stores.revocations, clock);
  // Several directors: logouts and sign-outs made on another director arrive within a second.
  const revocationRefresh = stores.sql ? setInterval(() => void revocations.refresh().catch(() => {}), 1000) : undefined;
  revocationRefresh?.unref?.();
  tokens.sessionChecks = {
    isRevoked: (claims) => revocations.isRevoked(claims),
    isAdmin: (user, groups) => isAdmin(policy.current, user, currentGroups(policy.current, user, groups)),
  };
  const metrics = createDirectorMetrics();
  // Runtime state, token use counts and throttles survive restarts (the specification keeps them in memory only).
  const runtimeStores = stores.runtime;
  const throttleState = new ThrottlePersistence(runtimeStores, log);
  throttleState.follow(stores.feed);
  const { login, audit, totp } = buildLogin({ config, prepared: preparedLogin, stores, policy, clock, log, wrapAudit: metrics.countingAudit, throttleFailures: throttleState.failures });
  const agents = new AgentService(stores.agents, ca, clock, audit, log, config.max_pending_agents, config.reissue_to_known_key);
  const state = new RuntimeState(clock, { agentRequestTimeoutMs: config.agent_request_timeout });
  // PostgreSQL away: uses are counted in this director's memory meanwhile (see token-uses-postgres.ts).
  const tokenUses = stores.sql ? fallbackTokenUses(runtimeStores, createSqliteRuntimeStores(openDatabase(':memory:')), log, metrics.countLocalTokenUse) : runtimeStores;
  // Other directors read what this one writes: a server whose only news is lastSeen (and its sessions'
  // refresh times) is rewritten well before they would call it offline or its sessions stale.
  const sharedRefreshMs = Math.min(60_000, config.server_offline_after / 3, config.session_stale_after / 3);
  const stateWriter = new RuntimeStateWriter(state, runtimeStores, clock, log, 1000, stores.sql ? sharedRefreshMs : undefined);
  const sharedState = new SharedStateFollower(stateWriter, runtimeStores, stores.feed, log);
  const registered = new Set((await agents.list('registered')).map((a) => a.guid));
  const loaded = {
    ...(await stateWriter.load((guid) => registered.has(guid))),
    throttleKeys: await throttleState.load(clock.now() - config.throttle.window),
  };
  // A revoked agent's sessions stay visible as orphaned (a revoke with live sessions needs force).
  agents.onRevoked = (guid) => state.orphanAgent(guid);
  agents.liveSessions = (guid) => {
    const server = state.serverByGuid(guid);
    return server ? state.sessionsOn(server.id).length : 0;
  };
  agents.admitNewRegistration = createRegisterRate(config.register_rate_per_minute, clock);
  stores.feed.subscribe(AGENT_TOPIC, (guid) => void agents.onStoreChange(guid).catch((error) => log.warn('agent change not applied', { guid, error })));
  const agentClient = new AgentClient({ certPem: ca.serverCertPem, keyPem: ca.serverKeyPem, caPem: ca.caCertPem, timeoutMs: config.agent_request_timeout });
  const sessions = new SessionService({
    state,
    policy,
    agents: agentClient,
    audit,
    log,
    offlineAfterMs: config.server_offline_after,
    clock,
    agentRequestTimeoutMs: config.agent_request_timeout,
    cooldownMs: config.placement_cooldown,
    onPlacementFailure: metrics.placement.placementFailed,
    placementMetrics: metrics.placement,
    persist: (id) => stateWriter.persistNow(id),
    placementLock: stores.lockSql ? postgresPlacementLock(stores.lockSql, (user) => sharedState.refreshOwner(user, [...new Set(state.sessionsOf(user).map((x) => x.serverId))])) : undefined,
  });
  const connections = new ConnectionTokens(tokens, state, clock, config.connection_token_ttl, config.connection_token_max_uses, tokenUses);
  const endpoint = (server: ServerEntry) => dcvEndpoint(server, { port: config.dcv_port, webUrlPath: config.dcv_web_url_path, hostSource: config.dcv_host_source });
  const sessionDeps = {
    sessions,
    state,
    policy,
    tokens,
    connections,
    agents: agentClient,
    endpoint,
    offlineAfterMs: config.server_offline_after,
    certificateValidationPolicy: config.dcv_certificate_validation,
    audit,
  };
  const directors = stores.sql ? postgresDirectorRegistry(stores.sql, log) : soleDirectorRegistry();
  const selfId = crypto.randomUUID();
  const startedAt = clock.now();
  const leadership = stores.sql ? postgresLeadership(stores.sql, log) : soleLeader;
  const housekeeper = new Housekeeper({
    isLeader: () => leadership.isLeader(),
    agents,
    state,
    log,
    intervalMs: config.housekeeper_interval,
    sessionStaleAfterMs: config.session_stale_after,
    pendingCleanupIntervalMs: config.pending_cleanup_interval,
    pendingMaxAgeMs: config.pending_max_age,
    audit: stores.auditRetention,
    auditMaxAgeMs: config.audit_retention,
    revocations,
    now: () => clock.now(),
  });

  let tlsInUse = { cert: ca.serverCertPem, key: ca.serverKeyPem };
  metrics.addStateGauges({
    agents,
    state,
    serverHealth: (s) => (state.isOnline(s, config.server_offline_after) ? state.health(s).status : 'offline'),
    healthValues: ['healthy', 'unhealthy', 'offline'],
    caCertPem: ca.caCertPem,
    directorCertPem: () => tlsInUse.cert,
  });

  const allowedMethods = allowedMethodsIndex(() => app.routes);
  // The answer check and the OpenAPI document read the routes of the app once it is built.
  let mounted: AnyElysia | undefined;
  const app = new Elysia()
    .use(errorHandler(log, (path) => allowedMethods(path)))
    .use(requestLog(log, metrics.observeRequest, (r) => connectionInfo(r).remoteAddress))
    .use(process.env[CHECK_ANSWERS_ENV] === '1' ? answerCheck(() => mounted?.routes ?? [], log) : new Elysia())
    .use(healthRoutes())
    .use(metricsRoutes({ allow: config.metrics_allow, registry: metrics.registry, refresh: () => agents.refreshSummary() }))
    .use(openApiRoutes(() => mounted!))
    .use(loginRoutes({ login, tokens, revocations, sessionTtlMs: config.session_token_ttl, sessionAbsoluteMaxMs: config.session_absolute_max }))
    .use(signoutRoutes({ tokens, revocations, audit, policy: () => policy.current }))
    .use(totpRoutes({ tokens, totp }))
    .use(totpAdminRoutes({ tokens, totp, audit }))
    .use(agentEnrolmentRoutes(agents))
    .use(agentUpdateRoutes({ agents, state, defaultAgentPort: config.agent_port, log, onSkipped: metrics.countSkippedUpdateItems }))
    .use(agentAdminRoutes(agents, tokens))
    .use(dcvRoutes({ tokens: connections, state, log, gatewayAllow: config.gateway_allow, endpoint, onOutcome: metrics.dcvOutcome }))
    .use(userSessionRoutes(sessionDeps))
    .use(adminSessionRoutes(sessionDeps))
    .use(adminServerRoutes({ tokens, state, offlineAfterMs: config.server_offline_after, managed: (session) => sessions.managed(session) }))
    .use(adminPolicyRoutes({ tokens, policy }))
    .use(adminAuditRoutes({ tokens, audit }))
    .use(adminDirectorsRoute({ tokens, registry: directors, selfId }))
    .use(config.web_dir ? await diskWebRoutes(config.web_dir) : webRoutes({ log }));
  mounted = app;

  let server: SecureServer | undefined;
  return {
    app,
    ca,
    policy,
    state,
    agents,
    tokens,
    /** Listens on director_host:director_port (0 = any free port, printed in the log). */
    async start(): Promise<number> {
      server = await startSecureServer({
        host: config.director_host,
        port: config.director_port,
        tls: { cert: ca.serverCertPem, key: ca.serverKeyPem, ca: ca.caCertPem },
        maxBodyBytes: config.max_body_bytes,
        headersTimeoutMs: config.http_headers_timeout,
        idleTimeoutMs: config.http_idle_timeout,
        // Every log line written while handling a request carries its request id (shared/log.ts).
        handle: (request) => withRequestId(request, false, () => app.handle(request)),
        onError: (error) => log.error('request bridge failed', { error }),
        proxy: config.trusted_proxies.length ? { isTrusted: (a) => inAllowList(a, config.trusted_proxies), onRefused: (reason, from) => log.warn('connection refused', { reason, from }) } : undefined,
      });
      leadership.start();
      directors.start(() => ({ id: selfId, name: `${hostname()}:${server!.port}`, policyHash: policyHash(policy.documents), startedAt }));
      housekeeper.start();
      stateWriter.start();
      sharedState.start();
      throttleState.start();
      const what = `loaded ${loaded.servers} servers (stale until their agents update), ${loaded.sessions} sessions, ${loaded.throttleKeys} login throttle keys`;
      audit.record({ type: 'director.start', outcome: 'success', detail: loaded.skipped ? `${what}; dropped ${loaded.skipped} servers of agents no longer registered` : what });
      log.info('runtime state loaded', loaded);
      log.info('director listening', { host: config.director_host, port: server.port, url: `https://127.0.0.1:${server.port}/` });
      return server.port;
    },
    /** SIGHUP: reload the policy files, and the server certificate if it was replaced on disk. */
    reload(): void {
      const result = policy.reload();
      audit.record({ type: 'policy.reload', actor: 'SIGHUP', outcome: result.ok ? 'success' : 'failure', ...(result.ok ? {} : { detail: result.error }) });
      const fresh = readServerTls(config.data_dir);
      if (server && fresh && (fresh.cert !== tlsInUse.cert || fresh.key !== tlsInUse.key)) {
        try {
          server.setTls({ ...fresh, ca: ca.caCertPem });
          tlsInUse = fresh;
          log.info('server certificate reloaded', { file: join(config.data_dir, CA_FILES.serverCert) });
        } catch (error) {
          log.error('server certificate reload failed; keeping the old one', { error });
        }
      }
    },
    async stop(): Promise<void> {
      housekeeper.stop();
      clearInterval(revocationRefresh);
      await leadership.stop();
      await directors.stop();
      await server?.close();
      const counts = state.counts();
      const written = await Promise.allSettled([stateWriter.stop(), throttleState.stop()]);
      const failed = written.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      if (failed.length) log.error('runtime state not fully written at stop', { errors: failed });
      if (server) audit.record({ type: 'director.stop', outcome: failed.length ? 'failure' : 'success', detail: `graceful stop; ${counts.servers} servers, ${counts.sessions} sessions written` });
      await stores.close();
    },
  };
}
