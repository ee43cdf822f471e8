import { hostname as osHostname } from 'node:os';
import { systemClock, type Clock } from '../shared/clock.ts';
import { allowedMethodsIndex } from '../shared/http/allowed-methods.ts';
import { errorHandler } from '../shared/http/error-handler.ts';
import { startSecureServer, type SecureServer } from '../shared/http/secure-server.ts';
import type { Logger } from '../shared/log.ts';
import { Elysia } from 'elysia';
import type { AgentConfig } from './config/schema.ts';
import { DcvClient } from './dcv/commands.ts';
import { SpawnDcvRunner } from './dcv/runner.ts';
import { DirectorClient } from './director-client.ts';
import { dcvConfigSource } from './selfcheck/source.ts';
import { DcvSelfCheck } from './selfcheck/self-check.ts';
import { registerUntilApproved } from './enroll/registrator.ts';
import { agentApi, fromDirector } from './http/routes.ts';
import { agentRequestLog } from './http/request-log.ts';
import { withRequestId } from '../shared/http/request-context.ts';
import { ensureDataDir, ensureIdentity, loadCertificate, type StoredCertificate } from './identity/identity.ts';
import { startAgentMetrics } from './metrics/agent-metrics.ts';
import { MeasuredDcvRunner } from './metrics/measured-runner.ts';
import { Reaper } from './reaper.ts';
import { Renewer } from './renew/renewer.ts';
import { CpuSampler, collectStats } from './stats/collect.ts';
import { GpuReader } from './stats/gpus.ts';
import { readHostInfo } from './stats/host-info.ts';
import { platformFacts } from './stats/platform-facts.ts';
import { Updater } from './updater.ts';

const MAX_BODY = 64 * 1024;

/**
 * The agent's life (docs/agents.md): identity -> (valid certificate? else register until approved) ->
 * mTLS server + renewer + updater + reaper. An expired certificate sends it back to registration.
 */
export async function startAgent(config: AgentConfig, deps: { log: Logger; clock?: Clock }) {
  const log = deps.log;
  const clock = deps.clock ?? systemClock;
  ensureDataDir(config.data_dir);
  const identity = await ensureIdentity(config.data_dir);
  log.info('agent identity', { guid: identity.guid, newKey: identity.created });

  let cert: StoredCertificate | undefined;
  const metrics = await startAgentMetrics({ enabled: config.metrics_enabled, host: config.metrics_host, port: config.metrics_port, certNotAfter: () => cert?.info.notAfter, log });
  const client = new DirectorClient(config.director_url, { log });
  const runner = new SpawnDcvRunner({ binary: config.dcv_path, timeoutMs: config.dcv_timeout, log });
  const dcv = new DcvClient(config.metrics_enabled ? new MeasuredDcvRunner(runner, metrics.dcvCommand) : runner);
  const sampler = new CpuSampler();
  const hostname = config.hostname || osHostname();
  const stats = async () => ({ ...(await collectStats(sampler)), hostname });
  const gpuReader = new GpuReader(config.nvidia_smi_path, log);
  const dcvSettings = dcvConfigSource(config.dcv_conf_file);
  const selfCheck = dcvSettings ? new DcvSelfCheck(dcvSettings, () => dcv.version()) : undefined;
  const abort = new AbortController();

  let server: SecureServer | undefined;
  let reRegistering = false;

  const usable = (c: StoredCertificate | undefined) => c && c.info.notAfter.getTime() > clock.now();
  // Kept across registrations (a returning agent may pass re-approval with it) until it is refused.
  const joinToken = { token: config.joinToken };
  const enrol = async () => {
    await registerUntilApproved({ identity, client, hostname, caPem: config.caPem, intervalMs: config.register_interval, joinToken, log, signal: abort.signal });
    cert = loadCertificate(identity);
    if (!cert) throw new Error('stored certificate could not be read back');
  };
  const tlsOf = (c: StoredCertificate) => ({ cert: c.pem, key: identity.keyPem, ca: c.caPem });

  cert = loadCertificate(identity);
  if (!usable(cert)) await enrol();

  const updater = new Updater({
    client,
    credentials: () => (cert ? { certPem: cert.pem, keyPem: identity.keyPem, caPem: cert.caPem } : undefined),
    listSessions: async () => {
      const sessions = await dcv.listSessions();
      metrics.sessionsListed(sessions);
      return sessions;
    },
    stats,
    gpus: () => gpuReader.read(),
    host: readHostInfo(),
    tags: config.tags,
    agentPort: () => config.advertise_port || server?.port || config.listen_port,
    hostname,
    dcvTimeoutMs: config.dcv_timeout,
    ...(selfCheck ? { dcvCheck: () => selfCheck.check() } : {}),
    maxVirtualSessions: config.max_virtual_sessions,
    platform: platformFacts(),
    intervalMs: config.update_interval,
    log,
    // The director forgot us (agents.db lost), made us pending again, or an admin approved another key
    // for our GUID: register again with the same GUID and key, and wait for approval if it asks for one
    // (for a key change our key is parked for the admin: 409 AGENT_KEY_MISMATCH while it waits).
    onNotRegistered: (code) => {
      if (!reRegistering) renewer.onExpiredOrForgotten(`the director refused this agent's certificate: ${code}`);
    },
    onSent: metrics.updateSent,
  });
  const renewer: Renewer = new Renewer({
    identity,
    client,
    clock,
    log,
    intervalMs: config.renew_interval,
    retryMs: config.renew_retry_interval,
    onRenewed: (certificate) => {
      cert = certificate;
      server?.setTls(tlsOf(certificate));
    },
    onExpired: () => {
      if (reRegistering) return;
      reRegistering = true;
      renewer.stop();
      void enrol()
        .then(() => {
          server?.setTls(tlsOf(cert!));
          renewer.start();
          updater.resume();
        })
        .catch((err) => log.error('re-registration failed', { error: (err as Error).message }))
        .finally(() => (reRegistering = false));
    },
  });
  const reaper = new Reaper({ dcv, clock, idleTimeoutMs: config.idle_timeout, includeConsole: config.reap_console_sessions, log });

  // A known path asked with a wrong method answers 405 with Allow, as on the director.
  const allowedMethods = allowedMethodsIndex(() => app.routes);
  const app = new Elysia()
    .use(errorHandler(log, (path) => allowedMethods(path)))
    .use(agentRequestLog(log))
    .use(agentApi({ dcv, stats, onSessionsChanged: () => updater.nudge(), log }));
  server = await startSecureServer({
    host: config.listen_host,
    port: config.listen_port,
    tls: tlsOf(cert!),
    maxBodyBytes: MAX_BODY,
    // The agent's own API: no path takes more than MAX_BODY, nor gzip.
    bodyRoutes: [],
    // Only the director's X-Request-Id is kept: anyone else could plant an id to blur the director's trail.
    handle: (r) => withRequestId(r, fromDirector(r), () => app.handle(r)),
    onError: (error) => log.error('request failed in the HTTPS front', { error }),
  });
  log.info('agent listening', { port: server.port, guid: identity.guid, certNotAfter: cert!.info.notAfter.toISOString() });

  renewer.start();
  updater.start();
  if (config.idle_timeout > 0) reaper.start(config.reaper_interval);

  return {
    port: server.port,
    guid: identity.guid,
    async stop() {
      abort.abort();
      renewer.stop();
      updater.stop();
      reaper.stop();
      await server?.close();
      await metrics.stop();
    },
  };
}
