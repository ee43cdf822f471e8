import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAgentConfig } from '../../agent/config/load.ts';
import { agentSchema } from '../../agent/config/schema.ts';
import { loadDirectorConfig } from '../../director/load-config.ts';
import { directorSchema } from '../../director/config/schema.ts';
import { applySchema } from '../../shared/config-schema.ts';
import { parsePolicy } from '../../director/policy/schema.ts';
import { repoRoot } from '../helpers/temp.ts';

/** The shipped example files load as they are and name every config key (so docs cannot drift). */
const examples = join(repoRoot, 'packaging/examples');

test('ok: the example director and agent configs load and mention every top-level key', async () => {
  const director = await loadDirectorConfig(join(examples, 'dcvix-director.conf'), true);
  expect(director.director_port).toBe(8445);
  const agent = await loadAgentConfig(join(examples, 'dcvix-agent.conf'), true);
  expect(agent.listen_port).toBe(8446);
  const directorText = readFileSync(join(examples, 'dcvix-director.conf'), 'utf8');
  for (const key of Object.keys(directorSchema)) expect([key, directorText.includes(key)]).toEqual([key, true]);
  const agentText = readFileSync(join(examples, 'dcvix-agent.conf'), 'utf8');
  for (const key of Object.keys(agentSchema)) expect([key, agentText.includes(key)]).toEqual([key, true]);
});

test('ok: the commented single sign-on example parses once uncommented and names every provider key', () => {
  const text = readFileSync(join(examples, 'dcvix-director.conf'), 'utf8');
  const block = /^#\[auth\.oidc\.corp\]\n(?:#[a-z_]+ = .*\n)+/m.exec(text)![0].replace(/^#/gm, '');
  const parsed = applySchema(directorSchema, Bun.TOML.parse(block) as Record<string, unknown>, 'example');
  expect(parsed.auth.oidc.corp).toMatchObject({ issuer: 'https://login.example.com/realms/staff', client_id: 'dcvix', groups_claim: 'groups' });
  for (const key of Object.keys(parsed.auth.oidc.corp!)) expect([key, block.includes(`${key} = `)]).toEqual([key, true]);
});

test('ok: the example policy files parse', () => {
  const users = JSON.parse(readFileSync(join(examples, 'users.json'), 'utf8'));
  const pools = JSON.parse(readFileSync(join(examples, 'pools.json'), 'utf8'));
  const policy = parsePolicy(users, pools);
  expect(policy.pools.size).toBeGreaterThan(0);
  expect(policy.admins.size + policy.adminGroups.size).toBeGreaterThan(0);
  // The example shows each place a userConfig allow-list can go: top level, a pool, a server.
  expect([policy.userConfig, policy.pools.get('gpu')?.userConfig, policy.servers.get('cad01.example.com')?.userConfig].every(Array.isArray)).toBe(true);
});
