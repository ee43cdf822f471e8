import type { Subprocess } from 'bun';

/** A child process whose stderr JSON log lines are collected so tests can wait for events. */
export class LoggedProcess {
  readonly lines: string[] = [];
  private waiters: { test: (line: string) => boolean; resolve: (l: string) => void }[] = [];
  readonly exited: Promise<number>;

  constructor(readonly name: string, readonly proc: Subprocess<'ignore', 'pipe', 'pipe'>) {
    void this.pump(proc.stderr);
    void this.pump(proc.stdout);
    this.exited = proc.exited;
  }

  private async pump(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of stream) {
      buf += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.lines.push(line);
        if (process.env.DCVIX_TEST_VERBOSE) console.error(`[${this.name}] ${line}`);
        this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
      }
    }
  }

  /** Resolves with the first log line (past or future) matching; rejects after timeoutMs. */
  waitFor(test: (line: string) => boolean, timeoutMs = 15_000, what = 'log line'): Promise<string> {
    const past = this.lines.find(test);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const fail = (why: string) => reject(new Error(`${this.name}: ${why} waiting for ${what}\n${this.lines.slice(-30).join('\n')}`));
      const timer = setTimeout(() => fail('timed out'), timeoutMs);
      void this.exited.then((code) => {
        clearTimeout(timer);
        // Give the pumps a moment to deliver the last lines before judging.
        setTimeout(() => (this.lines.find(test) ? resolve(this.lines.find(test)!) : fail(`exited with ${code}`)), 50);
      });
      this.waiters.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }

  /** Waits for a JSON log line whose msg equals `msg`; returns the parsed object. */
  async waitForMsg(msg: string, timeoutMs?: number, since = 0): Promise<Record<string, any>> {
    const line = await this.waitFor((l) => this.lines.indexOf(l) >= since && parse(l)?.msg === msg, timeoutMs, `"${msg}"`);
    return parse(line)!;
  }

  count(msg: string): number {
    return this.lines.filter((l) => parse(l)?.msg === msg).length;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.proc.exitCode !== null) return;
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await this.proc.exited;
    clearTimeout(t);
  }
}

function parse(line: string): Record<string, any> | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
