import { expect, test } from 'bun:test';
import { PassThrough } from 'node:stream';
import { stopWhenInputEnds } from './service-stop.ts';

test('ok: the agent stops once when the service host closes its standard input, not before', async () => {
  const input = new PassThrough();
  let stops = 0;
  stopWhenInputEnds(input, () => stops++);
  input.write('ignored\n');
  await Bun.sleep(10);
  expect(stops).toBe(0);
  input.end();
  await Bun.sleep(10);
  input.destroy();
  await Bun.sleep(10);
  expect(stops).toBe(1);
});
