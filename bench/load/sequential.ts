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

const a = loadArgs<Args>();
const out: Record<string, unknown> = {};
for (const k of a.kinds) {
  const request = () => call(a.url + k.path, { method: k.method ?? 'GET', ca: a.caPem, cookie: k.cookie, json: k.json });
  const check = (r: Awaited<ReturnType<typeof request>>) => {
    if (r.status !== (k.expectStatus ?? 200) || (k.expectText && !r.text.includes(k.expectText))) {
      throw new Error(`${k.name}: ${r.status} ${r.text.slice(0, 300)}`);
    }
  };
  for (let i = 0; i < (a.warmup ?? 2); i++) check(await request());
  const samples: number[] = [];
  let bytes = 0;
  const end = performance.now() + a.maxSeconds * 1000;
  while (samples.length < a.count && performance.now() < end) {
    const t = performance.now();
    const r = await request();
    samples.push(performance.now() - t);
    check(r);
    bytes = r.text.length;
  }
  out[k.name] = { ...summarise(samples), responseKb: round(bytes / 1024, 1) };
}
await reply(out);
