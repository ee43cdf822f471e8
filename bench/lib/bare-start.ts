import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port.ts';
import { summarise, type Summary } from './http.ts';

/** Polls GET `url` every 2 ms until it answers 200; returns the milliseconds since `t0`. */
export async function firstAnswerMs(url: string, caPem: string, t0: number, what: () => string): Promise<number> {
  const end = t0 + 30_000;
  for (;;) {
    try {
      const answer = await fetch(url, { tls: { ca: caPem }, keepalive: false } as RequestInit);
      if (answer.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    if (performance.now() > end) throw new Error(`${what()} did not answer within 30 s`);
    await Bun.sleep(2);
  }
}

// A bare HTTPS server: the runtime, TLS and a listener, none of the director.
const BARE_SERVER = `Bun.serve({ hostname: '127.0.0.1', port: Number(process.env.BARE_PORT), tls: { cert: Bun.file(process.env.BARE_CERT), key: Bun.file(process.env.BARE_KEY) }, fetch: () => new Response('ok') });`;

/**
 * Exec to the first HTTPS answer of a bare `bun -e` Bun.serve with the director's server certificate,
 * polled like the director's start, `count` times: what starting the runtime and a TLS listener costs
 * on this machine right now. The regression guard divides start-up and process-spawning latencies by
 * its median, so a slower machine or a busier moment moves both.
 */
export async function bareServerStart(count: number, dataDir: string, caPem: string): Promise<Summary> {
  const samples: number[] = [];
  for (let started = 0; started < count; started++) {
    const port = await freePort();
    const t0 = performance.now();
    const env = { ...process.env, BARE_PORT: String(port), BARE_CERT: join(dataDir, 'dcvix-director.crt'), BARE_KEY: join(dataDir, 'dcvix-director.key') };
    const proc = Bun.spawn([process.execPath, '-e', BARE_SERVER], { env, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' });
    try {
      samples.push(await firstAnswerMs(`https://127.0.0.1:${port}/`, caPem, t0, () => 'bare bun -e server'));
    } finally {
      proc.kill();
      await proc.exited;
    }
  }
  return summarise(samples);
}
