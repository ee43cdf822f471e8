import { expect, test } from 'bun:test';
import { inAllowList, parseCidr } from './cidr.ts';

test('ok: IPv4 and IPv6 blocks', () => {
  const allow = ['10.0.0.0/8', '192.168.1.7', '::1/128', '2001:db8::/32'].map(parseCidr);
  expect(inAllowList('10.200.3.4', allow)).toBe(true);
  expect(inAllowList('192.168.1.7', allow)).toBe(true);
  expect(inAllowList('192.168.1.8', allow)).toBe(false);
  expect(inAllowList('::1', allow)).toBe(true);
  expect(inAllowList('2001:db8:ffff::1', allow)).toBe(true);
  expect(inAllowList('2001:db9::1', allow)).toBe(false);
  expect(inAllowList('11.0.0.1', allow)).toBe(false);
});

test('rejects: garbage addresses and prefixes', () => {
  expect(() => parseCidr('10.0.0.0/33')).toThrow();
  expect(() => parseCidr('banana')).toThrow();
  expect(inAllowList('not-an-ip', [parseCidr('0.0.0.0/0')])).toBe(false);
  expect(inAllowList('1.2.3.4', [parseCidr('0.0.0.0/0')])).toBe(true);
});
