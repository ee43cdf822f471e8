/**
 * The runtime's ceiling: a bare Bun.serve HTTPS endpoint that requires and verifies a client
 * certificate against the same CA and only reads the request body. It cannot tell which agent called
 * (on Bun 1.4 its fetch handler sees no peer certificate), which is why the director runs a front of its
 * own on Bun's TLS sockets; the gap between the two is the price of that front plus the director's own work. Prints its port as one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitOnHelp } from '../../scripts/lib/help.ts';

exitOnHelp(
  `Usage: bun bench/load/ceiling-server.ts ...  (a load process the benchmark runner starts: npm run bench)\n  The runtime's ceiling: a bare Bun.serve HTTPS endpoint that requires and verifies a client certificate against the same CA and only reads the request body`,
);

const dataDir = process.argv[2]!;
const pem = (f: string) => readFileSync(join(dataDir, f), 'utf8');
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  tls: { cert: pem('dcvix-director.crt'), key: pem('dcvix-director.key'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true },
  async fetch(req) {
    await req.text();
    return Response.json({ ok: true });
  },
});
console.log(JSON.stringify({ msg: 'ceiling listening', port: server.port }));
