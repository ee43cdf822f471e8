/**
 * Load process: times requests one at a time (no queueing: the figure is the service time) over one
 * keep-alive HTTPS connection per request kind. Each kind runs `count` times or until `maxSeconds`.
 */
import { call } from '../../scripts/lib/https.ts';
import { round, summarise } from '../lib/http.ts';
import { loadArgs, reply } from '../lib/proc.ts';
import { exitOnHelp } from '../../scripts/lib/help.ts';

exitOnHelp(`Usage: bun bench/load/sequential.ts ...  (a load process the benchmark runner starts: npm run bench)\n  Load process: times requests one at a time (no queueing: the figure is the service time) over one keep-alive HTTPS connection per request kind`);

interface Kind {
  name: string;
  method?: string;
  path: string;
  cookie?: string;
  json?: unknown;
  /** Checked on every answer: the status and, if given, a substring of the body. */
  expectStatus?: number;
  expectText?: string;
}

interface Args {
  url: string;
  caPem: string;
  kinds: Kind[];
  count: number;
  maxSeconds: number;
  /** Untimed requests per kind first (JIT, caches). */
  warmup?: number;
}

const args = loadArgs<Args>();
const out: Record<string, unknown> = {};
for (const kind of args.kinds) {
  const request = () => call(args.url + kind.path, { method: kind.method ?? 'GET', ca: args.caPem, cookie: kind.cookie, json: kind.json });
  const check = (response: Awaited<ReturnType<typeof request>>) => {
    if (response.status !== (kind.expectStatus ?? 200) || (kind.expectText && !response.text.includes(kind.expectText))) {
      throw new Error(`${kind.name}: ${response.status} ${response.text.slice(0, 300)}`);
    }
  };
  for (let warmed = 0; warmed < (args.warmup ?? 2); warmed++) check(await request());
  const samples: number[] = [];
  let bytes = 0;
  const end = performance.now() + args.maxSeconds * 1000;
  while (samples.length < args.count && performance.now() < end) {
    const started = performance.now();
    const response = await request();
    samples.push(performance.now() - started);
    check(response);
    bytes = response.text.length;
  }
  out[kind.name] = { ...summarise(samples), responseKb: round(bytes / 1024, 1) };
}
await reply(out);
