import { expect, test } from 'bun:test';
import { hostnameMatches, isHostnamePattern } from './hostname-pattern.ts';

test('ok: * spans any run (dots too), ? one character, [..] and {..} as in globs; case-insensitive', () => {
  const cases: [string, string, boolean][] = [
    ['gpu-*.example.com', 'gpu-1.example.com', true],
    ['gpu-*.example.com', 'GPU-12.Rack3.Example.COM', true],
    ['gpu-*.example.com', 'cpu-1.example.com', false],
    ['gpu-*.example.com', 'gpu-1.example.com.evil.net', false],
    ['ws?', 'ws1', true],
    ['ws?', 'ws12', false],
    ['ws[0-4]', 'ws3', true],
    ['ws[0-4]', 'ws7', false],
    ['{ws,gpu}-*', 'gpu-9', true],
    ['*', 'anything.at.all', true],
  ];
  expect(cases.map(([pattern, host]) => [pattern, host, hostnameMatches(pattern, host)])).toEqual(cases);
});

test('rejects: patterns with characters no host name or glob needs', () => {
  expect(['gpu-*.example.com', 'ws[0-9]', '{a,b}.x', '*'].every(isHostnamePattern)).toBe(true);
  expect(['!ws1', 'ws 1', 'a/b', 'ws1;x', '', 'x'.repeat(254)].some(isHostnamePattern)).toBe(false);
});
