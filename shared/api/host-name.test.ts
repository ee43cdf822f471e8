import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { loadAgentConfig } from '../../agent/config/load.ts';
import { cleanupTempDirs, tempDir } from '../../tests/helpers/temp.ts';
import { RegisterBody } from './agent-enrolment.ts';
import { AgentStats } from './agent-wire.ts';
import { HOST_NAME_MAX, HOST_NAME_RE, isHostName } from './host-name.ts';
import { matches } from './model-check.ts';

afterAll(() => cleanupTempDirs());

const label = (length: number) => 'h'.repeat(length);
const GOOD = ['ws1', 'WS-01', 'WS-01.Example.COM', 'a', '0', 'cad01.example.com', `${label(63)}.${label(63)}.${label(63)}.${label(61)}`, 'WIN-ABC123'];
const BAD = ['', 'bad host', 'WS_01', '-ws', 'ws.', '.ws', 'a..b', 'ws1;rm', 'wš1', label(64), `${label(63)}.${label(63)}.${label(63)}.${label(62)}`, 'ws1\n'];

const stats = { hostname: 'ws1', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };
const registration = { guid: crypto.randomUUID(), hostname: 'ws1', csr: 'MIIB' };

/** Whether the agent starts with `hostname = "<name>"` in its config file. */
async function agentTakes(name: string): Promise<boolean> {
  const file = join(tempDir('dcvix-host-name-'), 'agent.conf');
  await Bun.write(file, `hostname = ${JSON.stringify(name)}\n`);
  return loadAgentConfig(file, true).then(
    () => true,
    (err: Error) => {
      expect(err.message).toContain('key "hostname" must be a host name');
      return false;
    },
  );
}

describe('the one host-name rule', () => {
  test('ok: labels of letters, digits and hyphens in either case, up to 253 characters; everywhere a host name is checked', async () => {
    for (const name of GOOD) {
      const verdicts = {
        isHostName: isHostName(name),
        register: matches(RegisterBody, { ...registration, hostname: name }),
        stats: matches(AgentStats, { ...stats, hostname: name }),
        config: await agentTakes(name),
      };
      expect({ name, ...verdicts }).toEqual({ name, isHostName: true, register: true, stats: true, config: true });
    }
  });

  test('rejects: anything else, in every place alike (the agent config only when set: "" is this machine\'s name)', async () => {
    for (const name of BAD) {
      const verdicts = {
        isHostName: isHostName(name),
        register: matches(RegisterBody, { ...registration, hostname: name }),
        stats: matches(AgentStats, { ...stats, hostname: name }),
        config: name === '' || (await agentTakes(name)),
      };
      expect({ name, ...verdicts }).toEqual({ name, isHostName: false, register: false, stats: false, config: name === '' });
    }
    expect(`${label(63)}.${label(63)}.${label(63)}.${label(62)}`.length).toBe(HOST_NAME_MAX + 1);
    // The length is checked beside the pattern: the pattern alone takes any number of labels.
    expect(HOST_NAME_RE.test(`${label(63)}.${label(63)}.${label(63)}.${label(62)}`)).toBe(true);
  });
});
