import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { command, startDirector, type DirectorHandle } from '../helpers/dcvix.ts';
import { call } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { cleanupTempDirs, repoRoot, tempDir } from '../helpers/temp.ts';

/**
 * `web_dir`: the director (from source, or the compiled binary with DCVIX_BIN_DIR, as in the Docker
 * image) serves a web app built on disk through @elysiajs/static, over its real TLS listener.
 */
let director: DirectorHandle;
let webDir: string;

beforeAll(async () => {
  webDir = join(tempDir(), 'web');
  const build = await run([process.execPath, join(repoRoot, 'scripts', 'build-web.ts'), '--out', webDir]);
  expect(build.code).toBe(0);
  director = await startDirector({ config: { web_dir: webDir } });
}, 60_000);

afterAll(async () => {
  await director?.stop();
  cleanupTempDirs();
});

describe('web_dir', () => {
  test('ok: index.html and every asset come from the directory, not from the embedded copy', async () => {
    await Bun.write(join(webDir, 'index.html'), (await Bun.file(join(webDir, 'index.html')).text()).replace('<title>', '<title>from web_dir: '));
    const index = await call(`${director.url}/`, { ca: director.caPem });
    expect(index.status).toBe(200);
    expect(index.text).toContain('<title>from web_dir: ');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const manifest = (await Bun.file(join(webDir, 'manifest.json')).json()) as { files: { path: string }[] };
    for (const { path } of manifest.files.filter((file) => file.path.startsWith('/assets/'))) {
      const asset = await call(`${director.url}${path}`, { ca: director.caPem });
      expect([path, asset.status, asset.headers.get('cache-control')]).toEqual([path, 200, 'public, max-age=31536000, immutable']);
      expect(asset.text).toBe(await Bun.file(join(webDir, path)).text());
    }
  });

  test('rejects: a web_dir with no built app stops start-up naming the file and the key, before writing anything', async () => {
    const dir = tempDir();
    const file = join(dir, 'web-dir.conf');
    const dataDir = join(dir, 'data');
    writeFileSync(file, `data_dir = "${dataDir}"\nweb_dir = "empty"\n`);
    mkdirSync(join(dir, 'empty'));
    const started = await run([...command('director'), '--config', file], { allowFail: true });
    expect(started.code).toBe(2);
    expect(started.stderr).toContain(`${file}: key "web_dir" names ${join(dir, 'empty')}, which holds no built web app`);
    expect(existsSync(dataDir)).toBe(false);
  });
});
