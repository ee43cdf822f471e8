import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../shared/log.ts';
import { createDirector } from '../app.ts';
import { loadDirectorConfig } from '../config/load.ts';
import { documentedRoutes, openApiDocument } from './openapi.ts';

test('ok: every mounted route is in the OpenAPI document, and nothing else', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-openapi-'));
  await Bun.write(join(dir, 'd.conf'), `data_dir = "${dir}/data"\n`);
  const director = await createDirector(await loadDirectorConfig(join(dir, 'd.conf'), true), { log: silentLogger });
  const mounted = director.app.routes.filter((r) => !r.path.startsWith('/assets') && r.path !== '/' && r.path !== '/index.html').map((r) => `${r.method} ${r.path}`);
  expect([...new Set(mounted)].sort()).toEqual(documentedRoutes().sort());
  expect(openApiDocument().openapi).toBe('3.1.0');
  await director.stop();
});
