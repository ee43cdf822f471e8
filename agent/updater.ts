import type { AgentUpdate } from '../shared/api/agent-update.ts';
import type { AgentStats, DcvSession } from '../shared/api/agent-wire.ts';
import type { DcvCheck } from '../shared/api/dcv-check.ts';
import type { Gpu, HostInfo } from '../shared/api/host-facts.ts';
import { toWireSession } from '../shared/api/wire-session.ts';
import type { Logger } from '../shared/log.ts';
import { VERSION } from '../shared/version.ts';
import { DirectorError, REGISTER_AGAIN, type ClientCredentials, type DirectorClient } from './director-client.ts';
import type { PlatformFacts } from './stats/platform-facts.ts';
import { StepLoop } from './step-loop.ts';

/**
 * The wait before the next update: up to 10 % EARLIER than planned, never later. Directors drop a
 * server that stays silent a little past the update interval (the Go dcvix director after 30 s), so
 * jitter that spreads agents out must not push an update past it.
 */
export function nextDelay(plannedMs: number, random: () => number = Math.random): number {
  return plannedMs * (1 - 0.1 * random());
}

export interface UpdaterOptions {
  client: DirectorClient;
  credentials: () => ClientCredentials | undefined;
  listSessions: () => Promise<DcvSession[]>;
  stats: () => Promise<AgentStats>;
  /** The host's GPUs now (never throws); absent: none reported. */
  gpus?: () => Promise<Gpu[]>;
  /** Operating system and CPU, read once at start. */
  host?: HostInfo;
  tags: string[];
  /** Port the director calls back on (known only once the server listens). */
  agentPort: () => number;
  hostname: string;
  /** The agent's dcv_timeout, reported so the director can check its own time limit against it. */
  dcvTimeoutMs?: number;
  /** The DCV host self-check, sent with every update (absent: dcv_conf_file = '', no check). */
  dcvCheck?: () => Promise<DcvCheck>;
  /** max_virtual_sessions, reported so the director's placement keeps to it (absent: no limit). */
  maxVirtualSessions?: number;
  /** What this platform's DCV and statistics lack (Windows: console sessions only, no load average). */
  platform?: PlatformFacts;
  intervalMs: number;
  /** Longest wait between attempts while the director is unreachable. */
  maxBackoffMs?: number;
  /**
   * The director refused this agent's certificate for good (REGISTER_AGAIN: agent unknown, not
   * registered, or another key approved for its GUID). The daemon then registers again. Called with
   * the director's code.
   */
  onNotRegistered?: (code: string) => void;
  /** Each update's outcome (the director took it, or not), for metrics. */
  onSent?: (ok: boolean) => void;
  log: Logger;
}

/**
 * POST /v1/agent/update every interval (the specification: 30 s) with sessions, stats, tags, GPUs and host facts. When dcv fails the
 * last known sessions are sent, so stats keep flowing and the director does not forget sessions.
 * While the director is unreachable the delay doubles up to maxBackoffMs, then resets on success.
 */
export class Updater {
  private readonly loop = new StepLoop(
    () => this.timedStep(),
    (err) => {
      this.o.log.error('update step failed; will retry', { error: (err as Error).message, retryInMs: this.o.intervalMs });
      return this.o.intervalMs;
    },
  );
  private lastSessions: DcvSession[] = [];
  private failures = 0;
  private inFlight: Promise<boolean> | undefined;

  constructor(private readonly o: UpdaterOptions) {}

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  /**
   * New credentials (registered again after a refusal): the failures were not the director being
   * down, so drop the back-off and send now instead of up to maxBackoffMs later.
   */
  resume(): void {
    if (!this.loop.running) return;
    this.failures = 0;
    this.loop.runIn(0);
  }

  /** Sends an update now (after a session change) without disturbing the schedule's back-off. */
  nudge(): void {
    void this.sendOnce();
  }

  /** Builds the update body (sessions in the kebab-case wire form); exposed for tests. */
  async body(): Promise<AgentUpdate> {
    let dcvError: string | undefined;
    try {
      this.lastSessions = await this.o.listSessions();
    } catch (err) {
      dcvError = (err as Error).message;
    }
    const [stats, gpus = [], dcvCheck] = await Promise.all([this.o.stats(), this.o.gpus?.(), this.o.dcvCheck?.()]);
    return {
      sessions: this.lastSessions.map(toWireSession),
      stats: { ...stats, hostname: this.o.hostname || stats.hostname },
      tags: this.o.tags,
      // Both optional on the wire: directors that predate them (and the Go director) ignore them.
      ...(gpus.length ? { gpus } : {}),
      ...(this.o.host ? { host: this.o.host } : {}),
      agentPort: this.o.agentPort(),
      version: VERSION,
      ...(dcvError ? { dcvError: dcvError.slice(0, 500) } : {}),
      ...(this.o.dcvTimeoutMs !== undefined ? { dcvTimeoutMs: this.o.dcvTimeoutMs } : {}),
      ...(this.o.maxVirtualSessions ? { maxVirtualSessions: this.o.maxVirtualSessions } : {}),
      ...this.o.platform,
      ...(dcvCheck ? { dcvCheck } : {}),
    };
  }

  /** One update; true when the director took it. */
  sendOnce(): Promise<boolean> {
    this.inFlight ??= this.send().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async send(): Promise<boolean> {
    const creds = this.o.credentials();
    if (!creds) return false;
    try {
      const answer = await this.o.client.update(await this.body(), creds);
      if (this.failures) this.o.log.info('director reachable again', { after: this.failures });
      // The director logs which ones and why; this host's log should say so too.
      if (answer?.skipped) this.o.log.warn('director skipped malformed sessions or tags of this update', { skipped: answer.skipped });
      this.failures = 0;
      this.o.onSent?.(true);
      return true;
    } catch (err) {
      this.failures++;
      const code = err instanceof DirectorError ? err.code : undefined;
      this.o.log.warn('update failed', { error: (err as Error).message, code, failures: this.failures });
      if (code && REGISTER_AGAIN.has(code)) this.o.onNotRegistered?.(code);
      this.o.onSent?.(false);
      return false;
    }
  }

  /** A timed update; returns the delay until the next (backing off while the director fails). */
  private async timedStep(): Promise<number> {
    await this.sendOnce();
    const max = this.o.maxBackoffMs ?? 5 * 60_000;
    const backoff = this.failures ? Math.min(this.o.intervalMs * 2 ** Math.min(this.failures - 1, 10), max) : this.o.intervalMs;
    return nextDelay(backoff);
  }
}
