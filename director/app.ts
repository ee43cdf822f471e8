import { Elysia, type AnyElysia } from 'elysia';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '../shared/clock.ts';
import { allowedMethodsIndex } from '../shared/http/allowed-methods.ts';
import { connectionInfo } from '../shared/http/connection-info.ts';
import { errorHandler } from '../shared/http/error-handler.ts';
import { withRequestId } from '../shared/http/request-context.ts';
import { startSecureServer, type SecureServer } from '../shared/http/secure-server.ts';
import type { Logger } from '../shared/log.ts';
import { StartupSteps } from '../shared/startup-steps.ts';
import { AgentClient } from './agent-client/client.ts';
import { AGENT_TOPIC } from './agents/notifying-store.ts';
import { createRegisterRate } from './agents/register-rate.ts';
import { joinTokenAdminRoutes } from './agents/join-token-routes.ts';
import { JoinTokens } from './agents/join-tokens.ts';
import { agentAdminRoutes, agentEnrolmentRoutes } from './agents/routes.ts';
import { AgentService } from './agents/service.ts';
import { agentUpdateRoutes } from './agents/update-routes.ts';
import { apiClientAdminRoutes, oauthTokenRoutes } from './api-clients/routes.ts';
import { ApiClients } from './api-clients/service.ts';
import { openAuditExports } from './audit/exports.ts';
import { openAuditLog } from './audit/open.ts';
import { RateLimitedAudit } from './audit/rate-limit.ts';
import { adminAuditRoutes } from './audit/routes.ts';
import { ThrottlePersistence } from './auth/throttle-persistence.ts';
import { createThrottle } from './auth/throttle.ts';
import { CA_FILES, openAuthority, readServerTls, serverNames } from './ca/authority.ts';
import { openSharedAuthority } from './ca/shared-authority.ts';
import { DIRECTOR_ALIVE_MS, postgresDirectorRegistry, soleDirectorRegistry } from './cluster/director-registry.ts';
import { postgresLeadership, soleLeader } from './cluster/leader.ts';
import { namingConfigFile } from './config/load.ts';
import { publicOrigin } from './config/public-origin.ts';
import type { DirectorConfig } from './config/schema.ts';
import { ConnectionTokens } from './dcv/connection-tokens.ts';
import { dcvEndpoint } from './dcv/connection.ts';
import { dcvRoutes } from './dcv/routes.ts';
import { createSqliteTokenUses, fallbackTokenUses } from './dcv/token-uses.ts';
import { adminDirectorsRoute } from './directors/routes.ts';
import { Housekeeper } from './housekeeper.ts';
import { answerCheck, CHECK_ANSWERS_ENV } from './http/answer-check.ts';
import { healthRoutes } from './http/health-routes.ts';
import { openApiRoutes } from './http/openapi-routes.ts';
import { publicSide } from './http/public-side.ts';
import { requestLog } from './http/request-log.ts';
import { buildLogin, prepareLogin } from './login/build.ts';
import { loginRoutes } from './login/routes.ts';
import { totpRoutes } from './login/totp-routes.ts';
import { createDirectorMetrics } from './metrics/director-metrics.ts';
import { metricsRoutes } from './metrics/routes.ts';
import { inAllowList } from './net/cidr.ts';
import { ProviderDirectory } from './oidc/discovery.ts';
import { oidcRoutes } from './oidc/routes.ts';
import { oidcProviders } from './oidc/settings.ts';
import { createOidcSignIn } from './oidc/sign-in.ts';
import { openStores } from './open-stores.ts';
import { FleetHistory } from './overview/history.ts';
import { fleetSample } from './overview/overview.ts';
import { adminOverviewRoute } from './overview/routes.ts';
import { adminPolicyRoutes } from './policy/admin-routes.ts';
import { currentGroups, groupsOf, isAdmin } from './policy/evaluate.ts';
import { policyHash } from './policy/hash.ts';
import { PolicyHolder } from './policy/holder.ts';
import { PolicyVersions } from './policy/versions.ts';
import { dcvCheckJudge } from './servers/dcv-check.ts';
import { Fleet } from './servers/fleet.ts';
import { ServerMaintenance } from './servers/maintenance.ts';
import { adminServerRoutes } from './servers/routes.ts';
import type { ServerEntry } from './servers/records.ts';
import { RuntimeState } from './servers/runtime-state.ts';
import { orphanAgent } from './servers/session-rows.ts';
import { PLACEMENT_DEADLINE_SLACK_MS } from './sessions/failover.ts';
import { postgresPlacementLock } from './sessions/placement-lock.ts';
import { adminSessionRoutes, userSessionRoutes } from './sessions/routes.ts';
import { SessionService } from './sessions/service.ts';
import { sessionManagerRoutes } from './session-manager/routes.ts';
import { sharingRoutes } from './sharing/routes.ts';
import { SharingService } from './sharing/service.ts';
import { openDatabase } from './store/db.ts';
import { adminThumbnailRoutes, userThumbnailRoutes } from './thumbnails/routes.ts';
import { SessionThumbnails } from './thumbnails/thumbnails.ts';
import { Revocations } from './tokens/revocations.ts';
import { generateTokenKey, TokenService } from './tokens/token-service.ts';
import { signoutRoutes } from './users/signout-routes.ts';
import { totpAdminRoutes } from './users/totp-reset-routes.ts';
import { passkeyAdminRoutes } from './users/passkeys-reset-routes.ts';
import { buildPasskeys, passkeyFactor } from './passkeys/build.ts';
import { passwordlessRoutes } from './passkeys/login-routes.ts';
import { passkeyRoutes } from './passkeys/routes.ts';
import { checkHeaderAuthConfig, createHeaderAuth } from './header-auth/service.ts';
import { headerAuthRoutes } from './header-auth/routes.ts';
import { diskWebRoutes } from './web/disk-routes.ts';
import { webRoutes } from './web/routes.ts';

export interface DirectorDeps {
  log: Logger;
  clock?: Clock;
}

/** Something the director starts after it listens and stops, in reverse order, before it closes its store. */
interface Component {
  name: string;
  start(): void;
  stop(): void | Promise<void>;
}

/** The mounted app's type: the web app's Eden Treaty client reads every route's body, query and answers from it. */
export type DirectorApp = Awaited<ReturnType<typeof createDirector>>['app'];

/**
 * The composition root: opens the store, builds every component from its options (each checks them
 * when built), hands each the callbacks it needs, mounts the route plugins, and starts and stops the
 * background components in one list. The only module that knows every folder.
 */
export async function createDirector(config: DirectorConfig, deps: DirectorDeps) {
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const steps = new StartupSteps();
  steps.mark('modules and config');

  // The config arrives parsed and checked, policy included; whatever else can reject it (login
  // backends, second factor) runs here too, before the store, the CA or anything else is written.
  const policy = new PolicyHolder(config.policyDir, log, () => clock.now());
  policy.adopt(config.policy);
  const preparedLogin = namingConfigFile(config.configFile, () => prepareLogin(config, { clock, log }));
  const ssoProviders = namingConfigFile(config.configFile, () => oidcProviders(config.auth, config.configFile));
  namingConfigFile(config.configFile, () => checkHeaderAuthConfig(config.auth.header));
  steps.mark('login backends');
  const stores = await openStores({ url: config.store_url, password: config.storePassword, dataDir: config.data_dir }, log);
  const caOptions = { dataDir: config.data_dir, hostnames: config.hostnames, clock, onEvent: (msg: string, fields: Record<string, unknown>) => log.info(msg, fields) };
  const ca = stores.sql
    ? await openSharedAuthority({ ...caOptions, sql: stores.sql, sealKey: config.storeCaKey!, tokenKey: config.token_key! }).catch(async (err) => {
        await stores.close();
        throw err;
      })
    : await openAuthority(caOptions);
  steps.mark('store and CA');
  log.info('CA ready', { fingerprintSha256: ca.fingerprint });

  let tokenKey = config.token_key;
  if (!tokenKey) {
    tokenKey = generateTokenKey();
    log.warn('token_key is not set: using an ephemeral key; every session token dies with this process');
  }
  const revocations = await Revocations.open(stores.revocations, clock);
  const tokens = new TokenService({
    key: tokenKey,
    clock,
    previousKeys: config.token_key_previous,
    sessionChecks: {
      isRevoked: (claims) => revocations.isRevoked(claims),
      isAdmin: (user, groups) => isAdmin(policy.current, user, currentGroups(policy.current, user, groups)),
    },
  });
  const metrics = createDirectorMetrics();
  const auditWriter = await openAuditLog({
    store: stores.audit,
    chainStore: stores.auditChain,
    exports: openAuditExports(config.audit, log),
    kind: stores.kind,
    available: stores.available,
    dataDir: config.data_dir,
    clock,
    log,
    counters: metrics.auditSpool,
  });
  const audit = metrics.countingAudit(auditWriter.audit);
  // DCV connection events come at the verifier's rate: at most so many a minute per type, outcome, user, session and address.
  const connectionAudit = new RateLimitedAudit({ audit, clock, perMinute: config.audit_connection_events_per_minute });
  // The policy in force is the store's newest version from here on; the files only seed an empty store.
  const versions = new PolicyVersions({ store: stores.policyVersions, holder: policy, audit, feed: stores.feed, log, clock });
  await versions.open(config.policy);
  // Throttles survive restarts (the specification keeps them in memory only).
  const throttleState = new ThrottlePersistence(stores.throttle, log);
  throttleState.follow(stores.feed);
  const passkeys = buildPasskeys({ config, store: stores.passkeys, audit, clock, log });
  const passkeyStep = passkeys && passkeyFactor(passkeys);
  const { login, totp } = buildLogin({ config, prepared: preparedLogin, totpStore: stores.totp, audit, policy, clock, log, throttleFailures: throttleState.failures, passkeys: passkeyStep });
  // Sign-ins without the password form (a passkey alone, a proxy's header) get the policy's groups as a password login does.
  const policyGroups = (user: string, backendGroups: readonly string[] = []) => groupsOf(policy.current, user, backendGroups);
  const policyAdmin = (user: string, groups: readonly string[]) => isAdmin(policy.current, user, groups);
  const headerAuth = createHeaderAuth({ config: config.auth.header, audit, log, groupsOf: policyGroups, isAdmin: policyAdmin });
  const ssoDirectory = new ProviderDirectory();
  const signIn = createOidcSignIn({
    providers: ssoProviders,
    directory: ssoDirectory,
    key: tokenKey,
    publicOrigin: publicOrigin(config),
    tokens,
    policy: () => policy.current,
    audit,
    log,
    clock,
    sessionTtlMs: config.session_token_ttl,
    sessionAbsoluteMaxMs: config.session_absolute_max,
    signedOut: async ({ sub, authTime }) => {
      const login = { sub, authTime, jti: '', iat: authTime, exp: authTime };
      if (revocations.isRevoked(login)) return true;
      // The logout may have been answered by another director a moment ago: read the store once more.
      await revocations.refresh();
      return revocations.isRevoked(login);
    },
  });

  const healthRules = { agentRequestTimeoutMs: config.agent_request_timeout };
  const state = new RuntimeState(clock, healthRules);
  const agentClient = new AgentClient({ certPem: ca.serverCertPem, keyPem: ca.serverKeyPem, caPem: ca.caCertPem, timeoutMs: config.agent_request_timeout });
  const fleet = new Fleet({
    store: stores.fleet,
    state,
    feed: stores.feed,
    clock,
    log,
    audit,
    healthRules,
    closeOnHost: (server, sessionId) => agentClient.closeSession(server, sessionId),
    // Other directors must see last contact well within server_offline_after and session_stale_after.
    seenNoticeMs: Math.min(10_000, config.server_offline_after / 6, config.session_stale_after / 3),
    creatingTimeoutMs: config.agent_request_timeout + PLACEMENT_DEADLINE_SLACK_MS + 30_000,
  });
  const joinTokens = new JoinTokens({ store: stores.joinTokens, clock, audit, log });
  const agents = new AgentService({
    store: stores.agents,
    ca,
    clock,
    audit,
    log,
    maxPending: config.max_pending_agents,
    reissueToKnownKey: config.reissue_to_known_key,
    // A revoked agent's server leaves placement on every director before the revoke is answered; its
    // live sessions stay visible as orphaned (a revoke with live sessions needs force).
    onRevoked: async (guid) => void (await fleet.run(orphanAgent(guid))),
    liveSessions: (guid) => {
      const server = state.serverByGuid(guid);
      return server ? state.sessionsOn(server.id).length : 0;
    },
    admitNewRegistration: createRegisterRate(config.register_rate_per_minute, clock),
    joinTokens,
  });
  stores.feed.subscribe(AGENT_TOPIC, (guid) => agents.forgetCertificate(guid));
  const sessions = new SessionService({
    fleet,
    state,
    policy,
    agents: agentClient,
    audit,
    log,
    clock,
    offlineAfterMs: config.server_offline_after,
    agentRequestTimeoutMs: config.agent_request_timeout,
    cooldownMs: config.placement_cooldown,
    healthRules,
    onPlacementFailure: metrics.placement.placementFailed,
    placementMetrics: metrics.placement,
    placementLock: stores.lockSql ? postgresPlacementLock(stores.lockSql) : undefined,
  });
  const maintenance = new ServerMaintenance({
    fleet,
    state,
    audit,
    clock,
    closeSession: (sessionId, admin, reason) => sessions.close(sessionId, { user: admin, admin: true, reason }),
  });
  // PostgreSQL away: uses are counted in this director's memory meanwhile.
  const tokenUses = stores.sql ? fallbackTokenUses(stores.tokenUses, createSqliteTokenUses(openDatabase(':memory:')), log, metrics.countLocalTokenUse) : stores.tokenUses;
  const findSession = (id: string) => fleet.findSession(id);
  const sharing = new SharingService({
    shares: stores.shares,
    sessions,
    findSession,
    isKnownServer: (id) => state.server(id) !== undefined,
    policy,
    agents: agentClient,
    audit,
    clock,
    log,
  });
  const connections = new ConnectionTokens({
    tokens,
    findSession,
    clock,
    log,
    ttlMs: config.connection_token_ttl,
    maxUses: config.connection_token_max_uses,
    store: tokenUses,
    admits: (session, user) => sharing.admits(session, user),
  });
  const endpoint = (server: ServerEntry) => dcvEndpoint(server, { port: config.dcv_port, webUrlPath: config.dcv_web_url_path, hostSource: config.dcv_host_source });
  const sessionDeps = {
    sessions,
    openSession: (sessionId: string, who: { user: string; groups: readonly string[] }) => sharing.openable(sessionId, who),
    state,
    policy,
    tokens,
    connections,
    agents: agentClient,
    endpoint,
    offlineAfterMs: config.server_offline_after,
    certificateValidationPolicy: config.dcv_certificate_validation,
    audit,
    connectionAudit,
  };
  const thumbnails = new SessionThumbnails({
    store: stores.thumbnails,
    take: (server, sessionId, size) => agentClient.screenshot(server, sessionId, size),
    clock,
    cacheMs: config.screenshot_cache_time,
  });
  const thumbnailDeps = {
    tokens,
    thumbnails,
    findSession,
    ownSession: (id: string, user: string, groups: readonly string[]) => sessions.ownSession(id, user, groups),
    onlineServer: (id: string) => sessions.onlineServer(id),
    cacheMs: config.screenshot_cache_time,
    audit,
  };
  // API clients' wrong secrets count in the login throttle's persisted failures, under keys of their own.
  const apiClients = new ApiClients({
    store: stores.apiClients,
    tokens,
    audit,
    clock,
    throttle: createThrottle(config.throttle, clock, undefined, throttleState.failures),
    tokenTtlMs: config.api_token_ttl,
  });
  const sessionManagerDeps = {
    ...{ state, policy, sessions, sharing, maintenance, connections, thumbnails, findSession, endpoint, offlineAfterMs: config.server_offline_after, audit },
    ...{ requests: stores.sessionRequests, clock, log, onCreateFailed: metrics.countSessionManagerCreateFailure },
  };
  const directors = stores.sql ? postgresDirectorRegistry(stores.sql, log) : soleDirectorRegistry();
  // DCV hosts must send tokens to this director or another of the cluster (docs/operations.md, DCV host self-check).
  // The names run `hostname -f`: asked when the first self-check arrives, not on the start-up path.
  let ownNames: readonly string[] | undefined;
  const judgeDcvCheck = dcvCheckJudge({
    names: () => {
      if (!ownNames) {
        const names = serverNames(config.hostnames);
        ownNames = [...names.dns, ...names.ips, ...config.public_hostnames];
      }
      return ownNames;
    },
    ports: () => [server?.port ?? config.director_port, publicFront?.port() ?? 0],
    origins: [publicOrigin(config)],
    peers: async () => (await directors.list(DIRECTOR_ALIVE_MS)).map((director) => director.name),
  });
  const selfId = crypto.randomUUID();
  const startedAt = clock.now();
  const leadership = stores.sql ? postgresLeadership(stores.sql, log) : soleLeader;
  const housekeeper = new Housekeeper({
    isLeader: () => leadership.isLeader(),
    agents,
    fleet,
    log,
    intervalMs: config.housekeeper_interval,
    sessionStaleAfterMs: config.session_stale_after,
    pendingCleanupIntervalMs: config.pending_cleanup_interval,
    pendingMaxAgeMs: config.pending_max_age,
    audit: stores.auditRetention,
    auditMaxAgeMs: config.audit_retention,
    revocations,
    thumbnails,
    shares: stores.shares,
    now: () => clock.now(),
  });

  // The admin overview's 24 hours: this director's own samples, in memory, from its start.
  const fleetHistory = new FleetHistory(clock, () => fleetSample(state, config.server_offline_after), log);

  let tlsInUse = { cert: ca.serverCertPem, key: ca.serverKeyPem };
  metrics.addStateGauges({
    agents,
    state,
    serverHealth: (s) => (state.isOnline(s, config.server_offline_after) ? state.health(s).status : 'offline'),
    healthValues: ['healthy', 'unhealthy', 'offline'],
    caCertPem: ca.caCertPem,
    directorCertPem: () => tlsInUse.cert,
  });

  steps.mark('services');
  const allowedMethods = allowedMethodsIndex(() => app.routes);
  // The answer check and the OpenAPI document read the routes of the app once it is built.
  let mounted: AnyElysia | undefined;
  // Route plugins in groups: one chain of every plugin is too deep for TypeScript to type (the web
  // app's Eden Treaty client reads the mounted app's type).
  // Sign-in and sign-out, every way: password, single sign-on, TOTP, passkeys, a proxy header.
  const signInRoutes = new Elysia()
    .use(loginRoutes({ login, tokens, revocations, sessionTtlMs: config.session_token_ttl, sessionAbsoluteMaxMs: config.session_absolute_max }))
    .use(oidcRoutes({ signIn, passwordForm: config.auth.password_form }))
    .use(signoutRoutes({ tokens, revocations, audit, policy: () => policy.current }))
    .use(totpRoutes({ tokens, totp }))
    .use(totpAdminRoutes({ tokens, totp, audit }))
    .use(passkeyRoutes({ tokens, passkeys }))
    .use(passwordlessRoutes({ tokens, sessionTtlMs: config.session_token_ttl, passkeys, groupsOf: (user) => policyGroups(user), isAdmin: policyAdmin }))
    .use(passkeyAdminRoutes({ tokens, passkeys }))
    .use(headerAuthRoutes({ tokens, sessionTtlMs: config.session_token_ttl, header: headerAuth }));
  // What agents, DCV servers and the gateway call, and the admin routes over agents.
  const agentSideRoutes = new Elysia()
    .use(agentEnrolmentRoutes(agents))
    .use(agentUpdateRoutes({ agents, fleet, now: () => clock.now(), defaultAgentPort: config.agent_port, judgeDcvCheck, log, onSkipped: metrics.countSkippedUpdateItems }))
    .use(agentAdminRoutes(agents, tokens))
    .use(joinTokenAdminRoutes(joinTokens, tokens))
    .use(dcvRoutes({ tokens: connections, findSession, state, log, gatewayAllow: config.gateway_allow, endpoint, onOutcome: metrics.dcvOutcome, audit: connectionAudit }));
  // Sessions: create, list, close, screenshots, sharing.
  const sessionRoutes = new Elysia()
    .use(userSessionRoutes(sessionDeps))
    .use(adminSessionRoutes(sessionDeps))
    .use(userThumbnailRoutes(thumbnailDeps))
    .use(adminThumbnailRoutes(thumbnailDeps))
    .use(sharingRoutes({ tokens, sharing }));
  // Admin pages: servers, policy, audit, directors, the overview.
  const adminRoutes = new Elysia()
    .use(adminServerRoutes({ tokens, state, maintenance, offlineAfterMs: config.server_offline_after, managed: (session) => sessions.managed(session) }))
    .use(adminPolicyRoutes({ tokens, policy, versions, isKnownServer: (id) => state.server(id) !== undefined }))
    .use(adminAuditRoutes({ tokens, audit }))
    .use(adminDirectorsRoute({ tokens, registry: directors, selfId }))
    .use(
      adminOverviewRoute({
        tokens,
        state,
        policy: () => policy.current,
        history: () => fleetHistory.series(),
        offlineAfterMs: config.server_offline_after,
        director: () => ({ name: `${hostname()}:${server?.port ?? config.director_port}`, startedAt }),
      }),
    );
  // API clients and the Session Manager-compatible API.
  const apiRoutes = new Elysia().use(apiClientAdminRoutes(apiClients, tokens)).use(oauthTokenRoutes(apiClients)).use(sessionManagerRoutes(sessionManagerDeps, apiClients));
  const app = new Elysia()
    .use(errorHandler(log, (path) => allowedMethods(path)))
    .use(requestLog(log, metrics.observeRequest, (r) => connectionInfo(r).remoteAddress))
    .use(process.env[CHECK_ANSWERS_ENV] === '1' ? answerCheck(() => mounted?.routes ?? [], log) : new Elysia())
    .use(healthRoutes())
    .use(metricsRoutes({ allow: config.metrics_allow, registry: metrics.registry, refresh: () => agents.refreshSummary(), log }))
    .use(openApiRoutes(() => mounted!))
    .use(signInRoutes)
    .use(agentSideRoutes)
    .use(sessionRoutes)
    .use(adminRoutes)
    .use(apiRoutes)
    .use(config.web_dir ? await diskWebRoutes(config.web_dir) : webRoutes({ log }));
  mounted = app;
  steps.mark('routes');

  let server: SecureServer | undefined;
  const publicFront = publicSide(config, ca.caCertPem, log);
  // Several directors: logouts and sign-outs made on another director arrive within a second.
  let revocationRefresh: ReturnType<typeof setInterval> | undefined;
  const components: Component[] = [
    { name: 'leadership', start: () => leadership.start(), stop: () => leadership.stop() },
    { name: 'policy versions', start: () => versions.start(), stop: () => versions.stop() },
    {
      name: 'director registry',
      start: () => directors.start(() => ({ id: selfId, name: `${hostname()}:${server!.port}`, policyHash: policyHash(policy.documents), startedAt })),
      stop: () => directors.stop(),
    },
    { name: 'fleet', start: () => fleet.start(), stop: () => fleet.settled() },
    { name: 'housekeeper', start: () => housekeeper.start(), stop: () => housekeeper.stop() },
    { name: 'overview history', start: () => fleetHistory.start(), stop: () => fleetHistory.stop() },
    // Stopped before the audit log closes: the summaries of events it left out are written.
    { name: 'connection audit', start: () => connectionAudit.start(), stop: () => connectionAudit.stop() },
    {
      // Discovery never holds up the start: each provider is asked once in the background, failures only logged (its button retries).
      name: 'single sign-on discovery',
      start: () => {
        for (const provider of ssoProviders) {
          ssoDirectory.configuration(provider).catch((error: unknown) => log.warn('single sign-on provider not reachable yet; its sign-in button will retry', { provider: provider.name, error }));
        }
      },
      stop: () => undefined,
    },
    { name: 'login throttle', start: () => throttleState.start(), stop: () => throttleState.stop() },
    {
      name: 'revocation refresh',
      start() {
        if (!stores.sql) return;
        revocationRefresh = setInterval(() => void revocations.refresh().catch((error: unknown) => log.warn('revocations not re-read from the store; the next second tries again', { error })), 1000);
        revocationRefresh.unref?.();
      },
      stop: () => clearInterval(revocationRefresh),
    },
  ];

  const loaded = await fleet.load();
  const throttleKeys = await throttleState.load(clock.now() - config.throttle.window);
  steps.mark('state loaded');
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
        onError: (error) => log.error('request failed in the HTTPS front', { error }),
        proxy: config.trusted_proxies.length ? { isTrusted: (a) => inAllowList(a, config.trusted_proxies), onRefused: (reason, from) => log.warn('connection refused', { reason, from }) } : undefined,
        ...(publicFront?.sniContext ? { sniContext: publicFront.sniContext } : {}),
      });
      await publicFront?.start((request) => withRequestId(request, false, () => app.handle(request)));
      steps.mark('listening');
      for (const component of components) component.start();
      const what = `loaded ${loaded.servers} servers (stale until their agents update), ${loaded.sessions} sessions, ${throttleKeys} login throttle keys`;
      audit.record({ type: 'director.start', outcome: 'success', detail: what });
      log.info('runtime state loaded', { ...loaded, throttleKeys });
      log.info('director listening', { host: config.director_host, port: server.port, url: `https://127.0.0.1:${server.port}/`, startupMs: steps.toJSON() });
      return server.port;
    },
    /**
     * SIGHUP: the policy files stored as a new version when they differ from the newest taken from them,
     * else the stored policy re-read (PolicyVersions.signal); the server certificate if it was replaced on
     * disk; the public certificate's files.
     */
    reload(): void {
      publicFront?.reload();
      void versions.signal().then(
        (result) =>
          audit.record({
            type: 'policy.reload',
            actor: 'SIGHUP',
            outcome: result.ok ? 'success' : 'failure',
            detail: result.ok ? `version ${result.version}${result.imported ? ', stored from the changed policy files' : ''}` : result.error,
          }),
        (error: unknown) => {
          log.error('policy reload failed: the store could not be read or written; keeping the policy in force', { error });
          audit.record({ type: 'policy.reload', actor: 'SIGHUP', outcome: 'failure', detail: 'the policy store could not be read or written' });
        },
      );
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
    /** Stops listening, then the components in reverse order (writing what they hold), then the store. */
    async stop(): Promise<void> {
      await Promise.all([server?.close(), publicFront?.close()]);
      const failed: string[] = [];
      for (const component of [...components].reverse()) {
        try {
          await component.stop();
        } catch (error) {
          failed.push(`${component.name}: ${(error as Error).message}`);
        }
      }
      if (failed.length) log.error('components did not stop cleanly', { errors: failed });
      const counts = state.counts();
      if (server) audit.record({ type: 'director.stop', outcome: failed.length ? 'failure' : 'success', detail: `graceful stop; ${counts.servers} servers, ${counts.sessions} sessions in the store` });
      await auditWriter.close();
      await stores.close();
    },
  };
}
