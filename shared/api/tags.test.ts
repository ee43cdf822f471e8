import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { loadAgentConfig } from '../../agent/config/load.ts';
import { parseAgentUpdate } from '../../director/servers/update-body.ts';
import { cleanupTempDirs, tempDir } from '../../tests/helpers/temp.ts';
import { matches } from './model-check.ts';
import { isTag, splitTag, Tag, TAG_KEY_MAX, TAG_VALUE_MAX } from './tags.ts';

afterAll(() => cleanupTempDirs());

const stats = { hostname: 'ws1', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };
/** Tags the earlier rule took (still taken) and key=value ones. */
const GOOD = [
  'gpu',
  'linux',
  'a10',
  'building-3',
  'x:y/z.w_v',
  'a=b=c',
  'gpu=',
  'gpu=a10',
  'site=eu:west/rack-1',
  'owner=team@corp',
  'gpus=a10,t4',
  'v=1.2+3',
  `${'k'.repeat(TAG_KEY_MAX)}=${'v'.repeat(TAG_VALUE_MAX)}`,
];
const BAD = ['', 'bad tag!', '=a10', '-gpu', 'gpu=NVIDIA A10G', "gpu='a10'", 'gpu="a10"', 'gpu=a\\b', 'gpü', 'gpu=a10\n', `${'k'.repeat(TAG_KEY_MAX + 1)}=v`, `k=${'v'.repeat(TAG_VALUE_MAX + 1)}`];

/** Whether the agent starts with `tags = [tag]` in its config file. */
async function agentTakes(tag: string): Promise<boolean> {
  const file = join(tempDir('dcvix-tags-'), 'agent.conf');
  await Bun.write(file, `tags = ${JSON.stringify([tag])}\n`);
  return loadAgentConfig(file, true).then(
    () => true,
    (err: Error) => {
      expect(err.message).toContain('key "tags" item 1');
      return false;
    },
  );
}

/** Where a tag is checked: the predicate, the wire model, the director's reader and the agent config. */
async function verdicts(tag: string) {
  return { isTag: isTag(tag), model: matches(Tag, tag), director: parseAgentUpdate({ sessions: [], stats, tags: [tag] }).update.tags.length === 1, config: await agentTakes(tag) };
}

describe('tags: name or key=value', () => {
  test('ok: bare tags as before and key=value tags, up to the key and value limits; everywhere alike', async () => {
    for (const tag of GOOD) expect({ tag, ...(await verdicts(tag)) }).toEqual({ tag, isTag: true, model: true, director: true, config: true });
  });

  test('rejects: spaces, quotes, backslashes, an empty key, a leading dash, over-long parts; everywhere alike', async () => {
    for (const tag of BAD) expect({ tag, ...(await verdicts(tag)) }).toEqual({ tag, isTag: false, model: false, director: false, config: false });
  });

  test('ok: a tag splits at its first "=", a bare tag has the value ""', () => {
    expect(splitTag('gpu=a10')).toEqual({ key: 'gpu', value: 'a10' });
    expect(splitTag('a=b=c')).toEqual({ key: 'a', value: 'b=c' });
    expect(splitTag('gpu=')).toEqual({ key: 'gpu', value: '' });
    expect(splitTag('linux')).toEqual({ key: 'linux', value: '' });
  });
});
