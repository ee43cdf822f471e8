import { expect, test } from 'bun:test';
import { silentLogger } from '../shared/log.ts';
import { DirectorError, type DirectorClient } from './director-client.ts';
import { Updater } from './updater.ts';

/** The updater when the director refuses the agent's certificate, and after it registered again. */
const stats = { hostname: 'h', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };

test('ok: a certificate the director no longer accepts (unknown, or pending again) asks for a new registration; revoked or another key does not', async () => {
  let answer: Error | undefined;
  const client = { update: async () => { if (answer) throw answer; } } as unknown as DirectorClient;
  const refused: string[] = [];
  const u = new Updater({ client, credentials: () => ({ certPem: 'c', keyPem: 'k', caPem: 'a' }), listSessions: async () => [], stats: async () => stats, tags: [], agentPort: () => 1, hostname: '', intervalMs: 10, log: silentLogger, onNotRegistered: (code) => refused.push(code) });
  for (const code of ['AGENT_UNKNOWN', 'AGENT_NOT_REGISTERED', 'AGENT_REVOKED', 'AGENT_KEY_MISMATCH', 'HTTP_502']) {
    answer = new DirectorError(403, code, 'refused');
    expect(await u.sendOnce()).toBe(false);
  }
  answer = new Error('ECONNREFUSED');
  expect(await u.sendOnce()).toBe(false);
  expect(refused).toEqual(['AGENT_UNKNOWN', 'AGENT_NOT_REGISTERED']);
});

test('ok: resume() after a new registration sends at once instead of waiting out the back-off', async () => {
  let fail = true;
  let sent = 0;
  const client = { update: async () => { sent++; if (fail) throw new Error('refused'); } } as unknown as DirectorClient;
  // A back-off of an hour after the first failure: only resume() can bring the next update sooner.
  const u = new Updater({ client, credentials: () => ({ certPem: 'c', keyPem: 'k', caPem: 'a' }), listSessions: async () => [], stats: async () => stats, tags: [], agentPort: () => 1, hostname: '', intervalMs: 3_600_000, log: silentLogger });
  u.start();
  while (sent < 1) await Bun.sleep(5);
  await Bun.sleep(20);
  fail = false;
  u.resume();
  while (sent < 2) await Bun.sleep(5);
  await Bun.sleep(20);
  u.stop();
  expect(sent).toBe(2);
});
