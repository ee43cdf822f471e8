import { expect, test } from 'bun:test';
import { DirectorError } from './director-client.ts';
import { testUpdater } from './updater-fixture.ts';

/** The updater when the director refuses the agent's certificate, and after it registered again. */

test('ok: a certificate the director no longer accepts (unknown, pending again, or another key approved for the GUID) asks for a new registration; revoked does not', async () => {
  let answer: Error | undefined;
  const refused: string[] = [];
  const updater = testUpdater(
    () => {
      if (answer) throw answer;
    },
    { onNotRegistered: (code) => refused.push(code) },
  );
  for (const code of ['AGENT_UNKNOWN', 'AGENT_NOT_REGISTERED', 'AGENT_REVOKED', 'AGENT_KEY_MISMATCH', 'HTTP_502']) {
    answer = new DirectorError(403, code, 'refused');
    expect(await updater.sendOnce()).toBe(false);
  }
  answer = new Error('ECONNREFUSED');
  expect(await updater.sendOnce()).toBe(false);
  expect(refused).toEqual(['AGENT_UNKNOWN', 'AGENT_NOT_REGISTERED', 'AGENT_KEY_MISMATCH']);
});

test('ok: resume() after a new registration sends at once instead of waiting out the back-off', async () => {
  let fail = true;
  let sent = 0;
  // A back-off of an hour after the first failure: only resume() can bring the next update sooner.
  const updater = testUpdater(
    () => {
      sent++;
      if (fail) throw new Error('refused');
    },
    { intervalMs: 3_600_000 },
  );
  updater.start();
  while (sent < 1) await Bun.sleep(5);
  await Bun.sleep(20);
  fail = false;
  updater.resume();
  while (sent < 2) await Bun.sleep(5);
  await Bun.sleep(20);
  updater.stop();
  expect(sent).toBe(2);
});
