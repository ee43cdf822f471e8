/**
 * The director's HTTPS front alone ("bridge only" in the tables): shared/http/secure-server.ts as the
 * director starts it (the native front: Bun's TLS sockets, client certificate requested, our HTTP/1.1
 * reader, Request built per call, peer attached) in front of a handler that only reads the body, with
 * no Elysia and no director logic. Between the ceiling (bare Bun.serve) and the director, it shows
 * which share of the gap is the front. Prints its port as one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSecureServer } from '../../shared/http/secure-server.ts';
import { exitOnHelp } from '../../scripts/lib/help.ts';

exitOnHelp(
  `Usage: bun bench/load/bridge-server.ts ...  (a load process the benchmark runner starts: npm run bench)\n  The director's HTTPS front alone: shared/http/secure-server.ts as the director starts it, in front of a handler that only reads the body`,
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
