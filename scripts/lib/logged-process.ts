import type { Subprocess } from 'bun';

export interface LoggedProcessOptions {
  /** Keep only the last this many lines (a chatty process under load then costs no memory). Default: all. */
  keepLines?: number;
  /** Environment variable that, when set, echoes every line to stderr. Default: DCVIX_TEST_VERBOSE. */
  verboseEnv?: string;
}

/** A child process whose stderr JSON log lines are collected so tests can wait for events. */
export class LoggedProcess {
  readonly lines: string[] = [];
  private waiters: { test: (line: string) => boolean; resolve: (l: string) => void }[] = [];
  readonly exited: Promise<number>;

  constructor(
    readonly name: string,
    readonly proc: Subprocess<'ignore', 'pipe', 'pipe'>,
    private readonly opts: LoggedProcessOptions = {},
  ) {
    void this.pump(proc.stderr);
    void this.pump(proc.stdout);
    this.exited = proc.exited;
  }

  get pid(): number {
    return this.proc.pid;
  }

  private async pump(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of stream) {
      buf += decoder.decode(chunk, { stream: true });
      let newlineAt;
      while ((newlineAt = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, newlineAt);
        buf = buf.slice(newlineAt + 1);
        this.lines.push(line);
        if (this.opts.keepLines !== undefined && this.lines.length > this.opts.keepLines) this.lines.shift();
        if (process.env[this.opts.verboseEnv ?? 'DCVIX_TEST_VERBOSE']) console.error(`[${this.name}] ${line}`);
        if (this.waiters.length) this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
      }
    }
  }

  /** Resolves with the first log line (past or future) matching; rejects after timeoutMs. */
  waitFor(test: (line: string) => boolean, timeoutMs = 15_000, what = 'log line'): Promise<string> {
    const past = this.lines.find(test);
    if (past) return Promise.resolve(past);
    return this.future(test, timeoutMs, what, true);
  }

  /**
   * Waits for a JSON log line whose msg equals `msg`; returns the parsed object. `since` is an index
   * into `lines` (not meaningful with keepLines).
   */
  async waitForMsg(msg: string, timeoutMs?: number, since = 0): Promise<Record<string, any>> {
    const line = await this.waitFor((l) => this.lines.indexOf(l) >= since && parse(l)?.msg === msg, timeoutMs, `"${msg}"`);
    return parse(line)!;
  }

  /** Resolves with the next JSON log record, from now on (earlier lines do not count), whose msg is `msg`. */
  async next(msg: string, timeoutMs = 30_000): Promise<Record<string, any>> {
    return parse(await this.future((l) => parse(l)?.msg === msg, timeoutMs, `"${msg}"`, false))!;
  }

  private future(test: (line: string) => boolean, timeoutMs: number, what: string, pastCounts: boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => reject(new Error(`${this.name}: ${why} waiting for ${what}\n${this.lines.slice(-30).join('\n')}`));
      const timer = setTimeout(() => fail('timed out'), timeoutMs);
      void this.exited.then((code) => {
        clearTimeout(timer);
        // Give the pumps a moment to deliver the last lines before judging.
        setTimeout(() => {
          const late = pastCounts ? this.lines.find(test) : undefined;
          if (late) resolve(late);
          else fail(`exited with ${code}`);
        }, 50);
      });
      this.waiters.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }

  count(msg: string): number {
    return this.lines.filter((l) => parse(l)?.msg === msg).length;
  }

  /** The last `count` lines, for an error message. */
  tail(count = 20): string {
    return this.lines.slice(-count).join('\n');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill(signal);
    const killTimer = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await this.proc.exited;
    clearTimeout(killTimer);
  }
}

function parse(line: string): Record<string, any> | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
