import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../shared/log.ts';
import { createDirector } from '../app.ts';
import { loadDirectorConfig } from '../load-config.ts';

// Elysia decides what every route prepares (cookie jar, parsed query, headers copied into an object)
// from the parameters of the global hooks: one hook taking the context whole and passing it to a
// function, or taking `...rest`, made every request pay for all three, agent updates and DCV
// verifications included.
const dir = mkdtempSync(join(tmpdir(), 'dcvix-hook-inference-'));
await Bun.write(join(dir, 'd.conf'), `data_dir = "${dir}/data"\n`);
const director = await createDirector(await loadDirectorConfig(join(dir, 'd.conf'), true), { log: silentLogger });
afterAll(() => director.stop());

test('ok: no global hook makes every route parse cookies or the query, or copy its headers', () => {
  const inference = (director.app as unknown as { inference: Record<string, boolean> }).inference;
  expect({ cookie: inference.cookie, query: inference.query, headers: inference.headers }).toEqual({ cookie: false, query: false, headers: false });
});

test('ok: the hot routes prepare none of them either (their own hooks included)', () => {
  const history = (director.app as unknown as { router: { history: { method: string; path: string; compile(): unknown }[] } }).router.history;
  const prepared = (method: string, path: string) => {
    const code = String(history.find((r) => r.method === method && r.path === path)!.compile());
    return { path, cookie: code.includes('parseCookie'), headers: /c\.headers\s*=/.test(code) };
  };
  for (const [method, path] of [
    ['POST', '/v1/agent/update'],
    ['POST', '/v1/user/authtokenverify'],
    ['POST', '/resolveSession'],
    ['GET', '/v1/user/servers'],
  ] as const)
    expect(prepared(method, path)).toEqual({ path, cookie: false, headers: false });
});
