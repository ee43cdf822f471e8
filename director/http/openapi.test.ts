import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../shared/log.ts';
import { createDirector } from '../app.ts';
import { loadDirectorConfig } from '../load-config.ts';
import type { OpenApiDocument } from './openapi.ts';

const dir = mkdtempSync(join(tmpdir(), 'dcvix-openapi-'));
let director: Awaited<ReturnType<typeof createDirector>>;
let doc: OpenApiDocument;

beforeAll(async () => {
  await Bun.write(join(dir, 'd.conf'), `data_dir = "${dir}/data"\n`);
  director = await createDirector(await loadDirectorConfig(join(dir, 'd.conf'), true), { log: silentLogger });
  const answer = await director.app.handle(new Request('http://localhost/v1/openapi.json'));
  expect(answer.status).toBe(200);
  doc = (await answer.json()) as OpenApiDocument;
});
afterAll(() => director.stop());

const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

test('ok: every mounted route is in the generated document, and nothing else', () => {
  const mounted = director.app.routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
  const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`);
  expect(doc.openapi).toBe('3.1.0');
  expect([...new Set(mounted)].sort()).toEqual(documented.sort());
});

test('ok: every operation has a 2xx answer (a browser navigation: a 3xx) with a schema, and the error envelope as its default', () => {
  for (const { path, method, op } of operations()) {
    const answers = Object.entries(op.responses ?? {});
    const twoHundreds = answers.filter(([status]) => status.startsWith('2'));
    const ok = twoHundreds.length ? twoHundreds : answers.filter(([status]) => status.startsWith('3'));
    expect({ path, method, ok: ok.length }).toEqual({ path, method, ok: 1 });
    const content = Object.values(ok[0]![1].content ?? {});
    expect({ path, method, schemas: content.filter((c) => c.schema && Object.keys(c.schema).length > 0).length }).toEqual({ path, method, schemas: content.length });
    expect(content.length).toBeGreaterThan(0);
    expect(op.responses!.default!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
  }
  const envelope = doc.components.schemas.ErrorEnvelope as { properties: { error: { required: string[] } } };
  expect(envelope.properties.error.required).toEqual(['code', 'message']);
});

test('ok: the DCV verifier and gateway resolver are described as they are on the wire', () => {
  const verifier = doc.paths['/v1/user/authtokenverify']!.post!;
  const form = (verifier.requestBody as { content: Record<string, { schema: { properties: object } }> }).content;
  expect(Object.keys(form)).toEqual(['application/x-www-form-urlencoded']);
  expect(Object.keys(form['application/x-www-form-urlencoded']!.schema.properties).sort()).toEqual(['authenticationToken', 'clientAddress', 'sessionId']);
  expect(Object.keys(verifier.responses!['200']!.content!)).toEqual(['text/xml']);
  const resolver = doc.paths['/resolveSession']!.post!;
  expect((resolver.parameters as { name: string; in: string }[]).map((p) => `${p.in}:${p.name}`).sort()).toEqual(['query:clientIpAddress', 'query:sessionId', 'query:transport']);
  const answer = resolver.responses!['200']!.content!['application/json']!.schema as { required: string[] };
  expect(answer.required).toEqual(['SessionId', 'TransportProtocol', 'DcvServerEndpoint', 'Port', 'WebUrlPath']);
  expect(Object.keys(doc.paths['/v1/user/sessions/{id}/connection.dcv']!.get!.responses!['200']!.content!)).toEqual(['application/x-dcv']);
  expect(Object.keys(doc.paths['/metrics']!.get!.responses!['200']!.content!)).toEqual(['text/plain']);
});

test('ok: both screenshot routes answer image/png and take maxWidth and maxHeight', () => {
  for (const path of ['/v1/user/sessions/{id}/screenshot', '/v1/sessions/{id}/screenshot']) {
    const op = doc.paths[path]!.get!;
    expect({ path, types: Object.keys(op.responses!['200']!.content!) }).toEqual({ path, types: ['image/png'] });
    expect({ path, query: (op.parameters as { name: string; in: string }[]).filter((p) => p.in === 'query').map((p) => p.name) }).toEqual({ path, query: ['maxWidth', 'maxHeight'] });
  }
});

test('ok: the server config route documents who may set which keys, and the envelope names the refused entry', () => {
  const config = doc.paths['/v1/user/servers/{server}/config']!.post!;
  expect(Object.keys(config.responses!)).toContain('403');
  expect(config.description).toContain('403 CONFIG_KEY_NOT_ALLOWED');
  expect(config.description).toContain('403 NOT_PERMITTED');
  const envelope = doc.components.schemas.ErrorEnvelope as { properties: { error: { properties: Record<string, unknown> } } };
  expect(Object.keys(envelope.properties.error.properties)).toEqual(expect.arrayContaining(['section', 'key']));
});

test('ok: redocly lint finds no errors and no warnings in the document', async () => {
  const file = join(dir, 'openapi.json');
  await Bun.write(file, JSON.stringify(doc));
  const repo = join(import.meta.dir, '../..');
  const lint = Bun.spawnSync([join(repo, 'node_modules/.bin/redocly'), 'lint', '--format=summary', '--config', join(repo, 'redocly.yaml'), file], {
    cwd: repo,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  const out = `${lint.stdout}${lint.stderr}`;
  expect(out).toContain('Your API description is valid');
  expect(out).not.toMatch(/You have \d+ (warning|error)|^(warning|error) /m);
  expect(lint.exitCode).toBe(0);
});
