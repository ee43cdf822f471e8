import { afterAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupTempDirs, tempDir } from '../../tests/helpers/temp.ts';
import { loadAgentConfig } from './load.ts';

afterAll(() => cleanupTempDirs());

const TOKEN = `dcvix-join_0123456789abcdef_${'Zz9-_'.repeat(8)}abc`;

/** Loads an agent config made of `lines`, in a directory of its own (relative paths resolve there). */
async function load(lines: string[], files: Record<string, string> = {}) {
  const dir = tempDir('dcvix-agent-conf-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o600 });
  const file = join(dir, 'agent.conf');
  await Bun.write(file, `${lines.join('\n')}\n`);
  return loadAgentConfig(file, true);
}

test('ok: the join token comes from join_token, or from the first line of join_token_file (relative to the config file); none by default', async () => {
  expect((await load([])).joinToken).toBeUndefined();
  expect((await load([`join_token = "${TOKEN}"`])).joinToken).toBe(TOKEN);
  expect((await load(['join_token_file = "join.token"'], { 'join.token': `${TOKEN}\nignored\n` })).joinToken).toBe(TOKEN);
});

test('rejects: both keys, an unreadable file, an empty file or a token of the wrong form stop start-up naming the key, never quoting the token', async () => {
  const failures = await Promise.all(
    [
      load([`join_token = "${TOKEN}"`, 'join_token_file = "join.token"'], { 'join.token': TOKEN }),
      load(['join_token_file = "missing.token"']),
      load(['join_token_file = "empty.token"'], { 'empty.token': '\n' }),
      load([`join_token = "${TOKEN}x"`]),
    ].map((loading) =>
      loading.then(
        () => 'loaded',
        (err: Error) => err.message,
      ),
    ),
  );
  expect(failures[0]).toContain('keys "join_token" and "join_token_file" exclude each other');
  expect(failures[1]).toMatch(/key "join_token_file": .*missing\.token cannot be read \(ENOENT\)/);
  expect(failures[2]).toContain('key "join_token_file" must hold a join token');
  expect(failures[3]).toContain('key "join_token" must hold a join token');
  for (const message of failures) expect(message).not.toContain(TOKEN.slice(-43));
});
