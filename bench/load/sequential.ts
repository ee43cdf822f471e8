/**
 * Load process: times requests one at a time (no queueing: the figure is the service time) over one
 * keep-alive HTTPS connection per request kind. Each kind runs `count` times or until `maxSeconds`.
 */
import { round, summarise } from '../lib/http.ts';
import { loadArgs, reply } from '../lib/proc.ts';
import { exitOnHelp } from '../../scripts/lib/help.ts';

exitOnHelp(
  `Usage: bun bench/load/sequential.ts ...  (a load process the benchmark runner starts: npm run bench)\n  Load process: times requests one at a time (no queueing: the figure is the service time) over one keep-alive HTTPS connection per request kind`,
);

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
  // Timed to the answer's last byte: parsing it (JSON.parse of a 3 MB list takes longer than serving
  // it) is the client's work, not the director's.
  const request = async () => {
    const response = await fetch(args.url + kind.path, {
      method: kind.method ?? 'GET',
      headers: { ...(kind.cookie ? { cookie: kind.cookie } : {}), ...(kind.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: kind.json !== undefined ? JSON.stringify(kind.json) : undefined,
      tls: { ca: args.caPem },
    } as RequestInit);
    return { status: response.status, text: await response.text() };
  };
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
