import { describe, expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import { routeLabel } from './route-label.ts';

/** Serves each path through a small app shaped like the director's and returns the route labels seen. */
async function labelsFor(paths: string[]): Promise<string[]> {
  const seen: string[] = [];
  const app = new Elysia()
    .onAfterResponse({ as: 'global' }, (ctx) => {
      seen.push(routeLabel(ctx as { route?: unknown }));
    })
    .group('/v1/admin/agents', (g) => g.post('/:guid/approve', () => 'ok'))
    .get('/v1/user/sessions/:id/connection.dcv', () => 'file')
    .get('/assets/:file', () => 'asset')
    .get('/v1/health', () => 'ok');
  for (const path of paths) await app.handle(new Request(`http://localhost${path}`, { method: path.includes('approve') ? 'POST' : 'GET' }));
  await Bun.sleep(10);
  return seen;
}

describe('route labels', () => {
  test('ok: requests to one route with different ids share its template', async () => {
    const labels = await labelsFor([
      '/v1/admin/agents/0b6f1c2e-0000-4000-8000-000000000001/approve',
      '/v1/admin/agents/0b6f1c2e-0000-4000-8000-000000000002/approve',
      '/v1/user/sessions/alice-1/connection.dcv',
      '/v1/user/sessions/bob-2/connection.dcv',
      '/assets/main-abc.js',
      '/v1/health',
    ]);
    expect(labels).toEqual([
      '/v1/admin/agents/:guid/approve',
      '/v1/admin/agents/:guid/approve',
      '/v1/user/sessions/:id/connection.dcv',
      '/v1/user/sessions/:id/connection.dcv',
      '/assets/:file',
      '/v1/health',
    ]);
  });

  test('ok: every unmatched path (scanners, typos) shares one "unmatched" label', async () => {
    expect(await labelsFor(['/wp-login.php', '/v1/nope/123', '/.env'])).toEqual(['unmatched', 'unmatched', 'unmatched']);
  });

  test('ok: a context without a route string is unmatched', () => {
    expect([routeLabel({}), routeLabel({ route: '' }), routeLabel({ route: 42 })]).toEqual(['unmatched', 'unmatched', 'unmatched']);
  });
});
