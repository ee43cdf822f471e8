import { describe, expect, test } from 'bun:test';
import { Glob } from 'bun';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

interface RouteRow {
  /** The method written before this URL in its row (or before an earlier URL of the row); undefined when none is. */
  method: string | undefined;
  prefix: string;
  folder: string;
}

interface Route {
  file: string;
  method: string;
  url: string;
}

/**
 * Every route a file under director/ or agent/ registers on an Elysia app: its method and full URL (the
 * prefix of the `new Elysia` above it plus its path; a path of '' is the prefix itself).
 */
function registeredRoutes(): Route[] {
  const routes: Route[] = [];
  for (const file of new Glob('{director,agent}/**/*.ts').scanSync({ cwd: ROOT })) {
    if (file.endsWith('.test.ts')) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    let prefix: string | undefined;
    for (const mark of text.matchAll(/new Elysia\(([^)]*)\)|\.(get|post|put|patch|delete)\(\s*'(\/[^']*|)'/g)) {
      if (mark[2] === undefined) prefix = /prefix:\s*'([^']*)'/.exec(mark[1] ?? '')?.[1] ?? '';
      else if (prefix !== undefined) routes.push({ file, method: mark[2].toUpperCase(), url: `${prefix}${mark[3]}` });
    }
  }
  return routes;
}

/** The rows of the README table whose header starts with `header`, split into trimmed cells. */
function readmeTable(header: string): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(header);
  if (at < 0) return [];
  const rows: string[][] = [];
  for (const line of readme.slice(at).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/**
 * README's "URL prefix | folder" table: every backquoted URL of a row with its method and the folder
 * that holds its routes. A method (`GET /x`) holds for the URLs after it in the row until the next one.
 */
function readmeRouteRows(): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const [urls = '', folderCell = ''] of readmeTable('| URL prefix | folder |')) {
    const folder = /`([^`]+\/)`/.exec(folderCell)?.[1];
    if (!folder) continue;
    let method: string | undefined;
    for (const url of urls.matchAll(/`(?:([A-Z]+) )?(\/[^`]*)`/g)) {
      method = url[1] ?? method;
      rows.push({ method, prefix: url[2]!.replace(/\*$/, ''), folder });
    }
  }
  return rows;
}

/** The README rows whose URL matches: `/` only itself, others themselves and what lies below (`x/` only below). */
function rowsMatching(url: string, program: string, rows: RouteRow[]): RouteRow[] {
  const concrete = url.replace(/:\w+/g, 'x');
  return rows.filter(({ prefix, folder }) => {
    if (!folder.startsWith(`${program}/`)) return false;
    const pattern = prefix.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\\{[^}]*\\\}|\{[^}]*\}/g, '[^/]+');
    return prefix === '/' ? concrete === '/' : new RegExp(`^${pattern}${prefix.endsWith('/') ? '' : '(?:$|/)'}`).test(concrete);
  });
}

/** The folder of the README row that names the method and matches the URL most closely. */
function folderFor(method: string, url: string, program: string, rows: RouteRow[]): string | undefined {
  const matching = rowsMatching(url, program, rows).filter((row) => row.method === method);
  return matching.sort((a, b) => b.prefix.length - a.prefix.length)[0]?.folder;
}

/** Routes outside the folder the README table gives their method and URL, as readable lines. */
function misplaced(routes: Route[], rows: RouteRow[]): string[] {
  const problems: string[] = [];
  for (const { file, method, url } of routes) {
    const program = file.split('/')[0]!;
    const folder = folderFor(method, url, program, rows);
    if (folder !== undefined && `${dirname(file)}/` === folder) continue;
    const matching = rowsMatching(url, program, rows);
    const methods = [...new Set(matching.flatMap((row) => (row.method ? [row.method] : [])))];
    const says = folder ?? (methods.length ? `only ${methods.join(', ')} for it` : matching.length ? 'no method for it' : 'nothing');
    problems.push(`${method} ${url} in ${file}, README says ${says}`);
  }
  return problems;
}

describe('routes live in the folder their method and URL name (README layout table)', () => {
  const rows = readmeRouteRows();

  test('ok: every route file is in the folder README gives its method and URL; app.ts registers none', () => {
    const routes = registeredRoutes();
    expect(routes.length).toBeGreaterThan(40);
    // A path of '' registers the plugin's prefix itself; the admin create shares its URL with the admin list.
    expect(routes).toContainEqual({ file: 'director/agents/routes.ts', method: 'GET', url: '/v1/admin/agents' });
    expect(routes).toContainEqual({ file: 'director/login/totp-routes.ts', method: 'GET', url: '/v1/user/totp' });
    expect(routes).toContainEqual({ file: 'director/sessions/routes.ts', method: 'POST', url: '/v1/sessions' });
    expect(misplaced(routes, rows)).toEqual([]);
  });

  test('ok: every URL in the table has a method; every folder it names exists', () => {
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.filter(({ method }) => method === undefined).map(({ prefix }) => prefix)).toEqual([]);
    expect(rows.filter(({ folder }) => !existsSync(join(ROOT, folder))).map(({ folder }) => folder)).toEqual([]);
  });

  test('rejects: a route in the wrong folder, or with a method its row does not name, is found', () => {
    expect(misplaced([{ file: 'director/servers/agent-update-routes.ts', method: 'POST', url: '/v1/agent/update' }], rows)).toEqual([
      'POST /v1/agent/update in director/servers/agent-update-routes.ts, README says director/agents/',
    ]);
    expect(misplaced([{ file: 'director/servers/routes.ts', method: 'DELETE', url: '/v1/servers' }], rows)).toEqual(['DELETE /v1/servers in director/servers/routes.ts, README says only GET for it']);
    expect(misplaced([{ file: 'director/app.ts', method: 'GET', url: '/v1/health' }], rows)).toHaveLength(1);
    expect(misplaced([{ file: 'director/agents/routes.ts', method: 'GET', url: '/v1/nothing' }], rows)).toEqual(['GET /v1/nothing in director/agents/routes.ts, README says nothing']);
    expect(folderFor('POST', '/v1/agent/update', 'director', rows)).toBe('director/agents/');
    expect(folderFor('GET', '/v1/agent/update', 'director', rows)).toBeUndefined();
    expect(folderFor('GET', '/v1/admin/audit', 'director', rows)).toBe('director/audit/');
    expect(folderFor('GET', '/v1/servers', 'director', rows)).toBe('director/servers/');
    expect(folderFor('GET', '/v1/no-such-capability', 'director', rows)).toBeUndefined();
  });
});

/** README's "path | what" table: for each folder row (`director/`), the subfolders its text names (`ca/`). */
function layoutRows(): Map<string, Set<string>> {
  const layout = new Map<string, Set<string>>();
  for (const [path = '', what = ''] of readmeTable('| path | what |')) {
    const folder = /^`([\w.-]+)\/`$/.exec(path)?.[1];
    if (folder) layout.set(folder, new Set([...what.matchAll(/`([\w.-]+)\/`/g)].map((name) => name[1]!)));
  }
  return layout;
}

/** Folders on disk directly under a layout row's folder that its row does not name. */
function unnamedFolders(layout: Map<string, Set<string>>): string[] {
  return [...layout].flatMap(([folder, named]) =>
    readdirSync(join(ROOT, folder), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !named.has(entry.name))
      .map((entry) => `${folder}/${entry.name}/`),
  );
}

describe('README layout table names every folder', () => {
  test('ok: every folder under director/, agent/, shared/, web/ and tests/ is named in its row', () => {
    const layout = layoutRows();
    expect([...layout.keys()]).toEqual(expect.arrayContaining(['director', 'agent', 'shared', 'web']));
    expect(unnamedFolders(layout)).toEqual([]);
  });

  test('rejects: a folder its row leaves out is found', () => {
    const named = new Set(readdirSync(join(ROOT, 'director'), { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? [entry.name] : [])));
    named.delete('store');
    expect(unnamedFolders(new Map([['director', named]]))).toEqual(['director/store/']);
  });
});

describe('director folders import one way (scripts/folder-graph.ts)', () => {
  test('ok: no import cycle between folders; no infrastructure folder (store, cluster, http, net, config) imports a capability', () => {
    const result = runScript('folder-graph.ts');
    expect(result.output.trim()).toMatch(/^no folder cycles and no infrastructure folder imports a capability \(\d+ edges\)$/);
    expect(result.exitCode).toBe(0);
  });

  test('rejects: an upward import store -> agents, in a copy of director/, is named as a cycle and as upward; type-only imports are not', () => {
    const copy = mkdtempSync(join(tmpdir(), 'folder-graph-'));
    try {
      cpSync(join(ROOT, 'director'), copy, { recursive: true });
      writeFileSync(
        join(copy, 'store', 'upward.ts'),
        [
          "import type { SessionService } from '../sessions/service.ts';",
          "import { type UserRef } from '../sessions/service.ts';",
          "import { AgentService } from '../agents/service.ts';",
          'export const upward = (service: SessionService, user: UserRef) => [service, user, AgentService];',
        ].join('\n'),
      );
      const result = runScript('folder-graph.ts', copy);
      const lines = result.output.split('\n');
      expect(lines.find((line) => line.startsWith('cycle among '))).toMatch(/\bagents\b.*\bstore\b/);
      expect(lines).toContain('  store -> agents  (store/upward.ts imports agents/service.ts)');
      expect(lines).toContain('upward: store -> agents  (store/upward.ts imports agents/service.ts)');
      expect(result.output).not.toContain('store -> sessions');
      expect(result.exitCode).toBe(1);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
