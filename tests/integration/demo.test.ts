import { afterAll, expect, test } from 'bun:test';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { LoggedProcess } from '../helpers/process.ts';
import { call } from '../helpers/https.ts';
import { cleanupTempDirs, repoRoot, tempDir } from '../helpers/temp.ts';

/** The README's first command: the demo prints a URL and logins that work over HTTPS. */
let demo: LoggedProcess | undefined;
let squatter: Server | undefined;

afterAll(async () => {
  await demo?.stop('SIGINT');
  squatter?.close();
  cleanupTempDirs();
});

test('ok: the demo starts, prints URL and credentials, and the demo user sees the demo workstation', async () => {
  // The agent's default metrics port is taken (by another demo, say): the demo's agent must not need it.
  squatter = await new Promise<Server | undefined>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined)); // taken already: just as good
    server.listen(8447, '127.0.0.1', () => resolve(server));
  });
  const data = tempDir('dcvix-demo-');
  demo = new LoggedProcess('demo', Bun.spawn([process.execPath, join(repoRoot, 'scripts/demo.ts'), '--port', '0', '--data', data], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' }));
  const urlLine = await demo.waitFor((l) => /^\s+Open:\s+https:\/\//.test(l), 45_000, 'the printed URL');
  const url = urlLine.trim().split(/\s+/)[1]!.replace(/\/$/, '');
  const userLine = await demo.waitFor((l) => /^\s+User:/.test(l));
  const [, user, , password] = userLine.trim().split(/\s+/).slice(0, 4).concat([]);
  const ca = await Bun.file(join(data, 'director', 'ca.pem')).text();
  const login = await call(`${url}/v1/user/login`, { method: 'POST', ca, json: { userID: user, password } });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const servers = await call(`${url}/v1/user/servers`, { ca, cookie });
  expect(servers.json.servers.map((s: { id: string }) => s.id)).toEqual(['demo-workstation']);
  expect(servers.json.servers[0].online).toBe(true);
  const page = await call(`${url}/`, { ca });
  expect(page.status).toBe(200);
  expect(page.text).toContain('<html');
  const metricsUrl = new URL((await demo.waitFor((l) => /^\s+Agent metrics:\s+http:/.test(l))).trim().split(/\s+/)[2]!);
  expect(metricsUrl.port).not.toBe('8447');
  const metrics = await fetch(metricsUrl);
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toContain('dcvix_agent_updates_total');
});
