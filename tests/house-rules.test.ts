import { describe, expect, test } from 'bun:test';
import { Glob } from 'bun';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(import.meta.dir, '..');

function runScript(script: string, ...args: string[]) {
  const result = Bun.spawnSync([process.execPath, join(ROOT, 'scripts', script), ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  return { exitCode: result.exitCode, output: result.stdout.toString() + result.stderr.toString() };
}

describe('house rules the scripts check', () => {
  test('ok: no export is dead (scripts/unused-exports.ts)', () => {
    const result = runScript('unused-exports.ts');
    expect(result.output.split('\n').filter((line) => line.startsWith('dead'))).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  test('ok: no one-letter names outside tiny lambdas (scripts/one-letter-names.ts)', () => {
    const result = runScript('one-letter-names.ts', 'director', 'agent', 'web', 'shared', 'tests', 'scripts', 'bench');
    expect(result.output.trim()).toBe('no one-letter names outside tiny lambdas');
    expect(result.exitCode).toBe(0);
  });

  test('rejects: both scripts do report what they look for', () => {
    const sample = mkdtempSync(join(tmpdir(), 'one-letter-'));
    try {
      // What the scanner must catch (a, r, k, v, s) beside what it must leave alone (a tiny lambda, a type parameter).
      copyFileSync(join(ROOT, 'tests/fixtures/one-letter-sample.ts.txt'), join(sample, 'sample.ts'));
      const result = runScript('one-letter-names.ts', sample);
      expect(result.output).toMatch(/sample\.ts \(4\): 1:a 2:r 9:k,v 10:s$/m);
      expect(result.exitCode).toBe(1);
    } finally {
      rmSync(sample, { recursive: true, force: true });
    }
    expect(runScript('unused-exports.ts').output).toMatch(/^local {2}\S+ {2}\w+$/m);
  });
});

interface RouteFolder {
  prefix: string;
  folder: string;
}

/** Every route a file under director/ or agent/ registers on an Elysia app: its full URL (the prefix of the `new Elysia` above it plus its path). */
function registeredRoutes(): { file: string; url: string }[] {
  const routes: { file: string; url: string }[] = [];
  for (const file of new Glob('{director,agent}/**/*.ts').scanSync({ cwd: ROOT })) {
    if (file.endsWith('.test.ts')) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    let prefix: string | undefined;
    for (const mark of text.matchAll(/new Elysia\(([^)]*)\)|\.(?:get|post|put|patch|delete)\(\s*'(\/[^']*)'/g)) {
      if (mark[2] === undefined) prefix = /prefix:\s*'([^']*)'/.exec(mark[1] ?? '')?.[1] ?? '';
      else if (prefix !== undefined) routes.push({ file, url: `${prefix}${mark[2]}` });
    }
  }
  return routes;
}

/** README's "URL prefix | folder" table: every backquoted URL of a row, with the folder that holds its routes. */
function readmeRouteFolders(): RouteFolder[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const rows: RouteFolder[] = [];
  for (const line of readme.slice(readme.indexOf('| URL prefix | folder |')).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [, urls = '', folderCell = ''] = line.split('|').map((cell) => cell.trim());
    const folder = /`([^`]+\/)`/.exec(folderCell)?.[1];
    if (!folder) continue;
    for (const url of urls.matchAll(/`(?:[A-Z]+ )?(\/[^`]*)`/g)) rows.push({ prefix: url[1]!.replace(/\*$/, ''), folder });
  }
  return rows;
}

/** The folder of the README row that matches the URL most closely: `/` only itself, others themselves and what lies below. */
function folderFor(url: string, program: string, rows: RouteFolder[]): string | undefined {
  const concrete = url.replace(/:\w+/g, 'x');
  const matching = rows.filter(({ prefix, folder }) => {
    if (!folder.startsWith(`${program}/`)) return false;
    const pattern = prefix.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\\{[^}]*\\\}|\{[^}]*\}/g, '[^/]+');
    return prefix === '/' ? concrete === '/' : new RegExp(`^${pattern}${prefix.endsWith('/') ? '' : '(?:$|/)'}`).test(concrete);
  });
  return matching.sort((a, b) => b.prefix.length - a.prefix.length)[0]?.folder;
}

/** Routes outside the folder the README table gives their URL, as readable lines. */
function misplaced(routes: { file: string; url: string }[], rows: RouteFolder[]): string[] {
  return routes
    .map(({ file, url }) => ({ file, url, folder: folderFor(url, file.split('/')[0]!, rows) }))
    .filter(({ file, folder }) => folder === undefined || `${dirname(file)}/` !== folder)
    .map(({ file, url, folder }) => `${url} in ${file}, README says ${folder ?? 'nothing'}`);
}

describe('routes live in the folder their URL names (README layout table)', () => {
  const rows = readmeRouteFolders();

  test('ok: every route file is in the folder README gives its URL; app.ts registers none', () => {
    const routes = registeredRoutes();
    expect(routes.length).toBeGreaterThan(30);
    expect(misplaced(routes, rows)).toEqual([]);
  });

  test('ok: every folder the table names exists', () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter(({ folder }) => !existsSync(join(ROOT, folder))).map(({ folder }) => folder)).toEqual([]);
  });

  test('rejects: a route in the wrong folder is found', () => {
    expect(misplaced([{ file: 'director/servers/agent-update-routes.ts', url: '/v1/agent/update' }], rows)).toEqual([
      '/v1/agent/update in director/servers/agent-update-routes.ts, README says director/agents/',
    ]);
    expect(misplaced([{ file: 'director/app.ts', url: '/v1/health' }], rows)).toHaveLength(1);
    expect(misplaced([{ file: 'director/agents/routes.ts', url: '/v1/nothing' }], rows)).toHaveLength(1);
    expect(folderFor('/v1/agent/update', 'director', rows)).toBe('director/agents/');
    expect(folderFor('/v1/admin/audit', 'director', rows)).toBe('director/audit/');
    expect(folderFor('/v1/servers', 'director', rows)).toBe('director/servers/');
    expect(folderFor('/v1/no-such-capability', 'director', rows)).toBeUndefined();
  });
});
