import { expect, test } from 'bun:test';
import { sampleSession } from '../../tests/helpers/fleet.ts';
import { dcvFile, dcvUri, webClientUrl } from './connection.ts';

const endpoint = { host: 'ws01.example.com', port: 8443, webUrlPath: '' };
const session = sampleSession('alice-3f2a', 'ws01.example.com');

test('ok: the .dcv file starts with [version] and holds exactly the documented keys', () => {
  const text = dcvFile(endpoint, session, 'v4.local.abc', 'ask-user');
  expect(text.startsWith('[version]\nformat=1.0\n\n[connect]\n')).toBe(true);
  expect(text).toContain('\nhost=ws01.example.com\nport=8443\nsessionid=alice-3f2a\nuser=alice\nauthtoken=v4.local.abc\n');
  expect(text).not.toContain('password');
  expect(text).not.toContain('"');
  expect(text.match(/^\[.*\]$/gm)).toEqual(['[version]', '[connect]', '[options]']);
});

test('rejects: a value with a newline cannot inject a key', () => {
  expect(() => dcvFile(endpoint, { ...session, owner: 'alice\npassword=x' }, 't', 'ask-user')).toThrow();
});

test('ok: web client URL and dcv:// URI per docs/dcv-wire.md', () => {
  expect(webClientUrl(endpoint, 'v4.local.a+b', 'alice-3f2a')).toBe('https://ws01.example.com:8443/?authToken=v4.local.a%2Bb#alice-3f2a');
  expect(dcvUri({ ...endpoint, webUrlPath: '/dcv' }, 't', 'x')).toBe('dcv://ws01.example.com:8443/dcv/?authToken=t#x');
});
