/**
 * Load process: enrols `count` simulated agents through the real API, the way an agent does.
 * Ed25519 key + CSR here -> POST /v1/agent/register (403 pending) -> admin approves over
 * POST /v1/admin/agents/{guid}/approve -> POST /v1/agent/register again -> certificate.
 * Keys and CSRs are made before any clock starts. The certificate collection (the registration that
 * answers 200 with the certificate) is timed on its own over `connections` kept-alive TLS connections,
 * opened before its clock starts, so the figure is the director's issuance rate, not this process's
 * key generation or TLS handshakes. Writes the identities (guid, hostname, key, certificate) as JSON to `out`.
 */
import { writeFileSync } from 'node:fs';
import { createCsr } from '../../agent/identity/ed25519-csr.ts';
import { generateEd25519, privateKeyToPem } from '../../shared/pki/keys.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { call } from '../../scripts/lib/https.ts';
import { pool } from '../../scripts/lib/pool.ts';
import { H1Connection, handshakes } from '../lib/h1-client.ts';
import { round, summarise, type Summary } from '../lib/http.ts';
import { cpuSeconds, loadArgs, reply } from '../lib/proc.ts';
import { exitOnHelp } from '../../scripts/lib/help.ts';

exitOnHelp(
  `Usage: bun bench/load/enrol.ts ...  (a load process the benchmark runner starts: npm run bench)\n  Load process: enrols count simulated agents through the real API, the way an agent does`,
);

export interface Identity {
  guid: string;
  hostname: string;
  keyPem: string;
  certPem: string;
}

interface Args {
  url: string;
  caPem: string;
  adminCookie: string;
  count: number;
  /** Host names are `${hostPrefix}${index}` (zero-padded): the server ids the policy names. */
  hostPrefix: string;
  /** Requests in flight while registering (pending) and approving. */
  concurrency: number;
  /** Kept-alive connections (one request in flight on each) for the timed certificate collection; default 4. */
  connections?: number;
  /** The director's process: its CPU use while certificates are collected is reported beside this process's. */
  targetPid?: number;
  out: string;
}

/** What the enrolment reports; the collection figures are the ones the director's issuance is judged by. */
export interface EnrolFigures {
  count: number;
  totalS: number;
  keygenS: number;
  registerPerS: number;
  approvePerS: number;
  /** Certificates collected per second: pre-generated CSRs, kept-alive connections, handshakes excluded. */
  issuePerS: number;
  /** Latency of one certificate collection, ms. */
  issueLatencyMs: Summary;
  issueConnections: number;
  /** CPU cores the director and this load process used while certificates were collected. */
  issueDirectorCpuCores?: number;
  issueClientCpuCores: number;
}

const args = loadArgs<Args>();
const pad = String(args.count).length;
const t0 = performance.now();
const phase = (since: number) => round((performance.now() - since) / 1000, 3);

let phaseStart = performance.now();
const pending = await pool(
  Array.from({ length: args.count }, (_, index) => index),
  4,
  async (index) => {
    const keys = await generateEd25519();
    const guid = crypto.randomUUID();
    const csr = Buffer.from(await createCsr(keys, agentCn(guid))).toString('base64');
    const hostname = `${args.hostPrefix}${String(index).padStart(pad, '0')}`;
    return { guid, hostname, keyPem: await privateKeyToPem(keys.privateKey), body: JSON.stringify({ guid, hostname, csr }) };
  },
);
const keygenS = phase(phaseStart);

phaseStart = performance.now();
await pool(pending, args.concurrency, async (agent) => {
  const response = await call(`${args.url}/v1/agent/register`, { method: 'POST', ca: args.caPem, body: agent.body, headers: { 'content-type': 'application/json' } });
  if (response.status !== 403 || response.json?.error?.code !== 'AGENT_PENDING') throw new Error(`register ${agent.hostname}: ${response.status} ${response.text}`);
});
const registerS = phase(phaseStart);

phaseStart = performance.now();
await pool(pending, args.concurrency, async (agent) => {
  const response = await call(`${args.url}/v1/admin/agents/${agent.guid}/approve`, { method: 'POST', ca: args.caPem, cookie: args.adminCookie });
  if (response.status !== 200) throw new Error(`approve ${agent.hostname}: ${response.status} ${response.text}`);
});
const approveS = phase(phaseStart);

// The timed collection: every connection is open (handshake done) before the clock starts.
const { hostname: host, port } = new URL(args.url);
const connections = Array.from({ length: Math.min(args.connections ?? 4, args.count) }, () => new H1Connection({ host, port: Number(port), ca: args.caPem, rejectUnauthorized: true }));
for (const conn of connections) {
  const health = await conn.request('GET', '/v1/health', {});
  if (health.status !== 200) throw new Error(`health: ${health.status} ${health.body}`);
}
const handshakesBefore = handshakes.full + handshakes.resumed;
const headers = { 'content-type': 'application/json' };
const latencies: number[] = [];
const certificates: string[] = new Array(pending.length);
let next = 0;
const directorCpu0 = args.targetPid ? cpuSeconds(args.targetPid) : 0;
const clientCpu0 = process.cpuUsage();
phaseStart = performance.now();
await Promise.all(
  connections.map(async (conn) => {
    while (next < pending.length) {
      const index = next++;
      const agent = pending[index]!;
      const sent = performance.now();
      const response = await conn.request('POST', '/v1/agent/register', headers, agent.body);
      latencies.push(performance.now() - sent);
      if (response.status !== 200) throw new Error(`certificate for ${agent.hostname}: ${response.status} ${response.body}`);
      certificates[index] = JSON.parse(response.body).certificate as string;
    }
  }),
);
const issueS = phase(phaseStart);
const directorCpuS = args.targetPid ? cpuSeconds(args.targetPid) - directorCpu0 : undefined;
const clientCpu = process.cpuUsage(clientCpu0);
for (const conn of connections) conn.close();
// Kept alive means no connection was opened while the clock ran.
const reconnects = handshakes.full + handshakes.resumed - handshakesBefore;
if (reconnects) throw new Error(`the certificate collection opened ${reconnects} new connections; they were meant to stay alive`);

const identities: Identity[] = pending.map((agent, index) => ({ guid: agent.guid, hostname: agent.hostname, keyPem: agent.keyPem, certPem: certificates[index]! }));
writeFileSync(args.out, JSON.stringify(identities));
const count = args.count;
await reply({
  count,
  totalS: phase(t0),
  keygenS,
  registerPerS: round(count / registerS, 1),
  approvePerS: round(count / approveS, 1),
  issuePerS: round(count / issueS, 1),
  issueLatencyMs: summarise(latencies),
  issueConnections: connections.length,
  ...(directorCpuS === undefined ? {} : { issueDirectorCpuCores: round(directorCpuS / issueS, 2) }),
  issueClientCpuCores: round((clientCpu.user + clientCpu.system) / 1e6 / issueS, 2),
} satisfies EnrolFigures);
