/**
 * The director's TLS bridge alone: shared/http/secure-server.ts (node:http2 with HTTP/1.1 fallback,
 * client certificate requested, Request built per call, peer attached) in front of a handler that
 * only reads the body, with no Elysia and no director logic. Between the ceiling (bare Bun.serve) and
 * the director, it shows which share of the gap is the bridge. Prints its port as one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSecureServer } from '../../shared/http/secure-server.ts';
import { exitOnHelp } from '../../scripts/lib/help.ts';

exitOnHelp(
  `Usage: bun bench/load/bridge-server.ts ...  (a load process the benchmark runner starts: npm run bench)\n  The director's TLS bridge alone: shared/http/secure-server.ts (node:http2 with HTTP/1.1 fallback, client certificate requested, Request built per call, peer attached) in front of a handler that only r`,
);

const dataDir = process.argv[2]!;
const pem = (f: string) => readFileSync(join(dataDir, f), 'utf8');
const server = await startSecureServer({
  host: '127.0.0.1',
  port: 0,
  tls: { cert: pem('dcvix-director.crt'), key: pem('dcvix-director.key'), ca: pem('ca.pem') },
  maxBodyBytes: 64 * 1024,
  async handle(request) {
    await request.text();
    return Response.json({ ok: true });
  },
});
console.log(JSON.stringify({ msg: 'bridge listening', port: server.port }));
