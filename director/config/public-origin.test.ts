import { describe, expect, test } from 'bun:test';
import { hostname } from 'node:os';
import { publicOrigin } from './public-origin.ts';
import { publicUrl } from './typed-fields.ts';

describe('public_url', () => {
  test('ok: an https origin is kept in canonical form', () => {
    expect(publicUrl('https://DCV.example.com/')).toBe('https://dcv.example.com');
    expect(publicUrl('https://dcv.example.com:8445')).toBe('https://dcv.example.com:8445');
    expect(publicUrl('https://dcv.example.com:443')).toBe('https://dcv.example.com');
    expect(publicUrl('')).toBe('');
  });

  test('rejects: http, paths, queries, credentials and non-URLs', () => {
    for (const bad of ['http://dcv.example.com', 'https://dcv.example.com/app', 'https://dcv.example.com/?a=1', 'https://u:p@dcv.example.com', 'dcv.example.com', 7]) {
      expect(() => publicUrl(bad)).toThrow();
    }
  });

  test('ok: unset, the origin comes from the first host name and the port', () => {
    expect(publicOrigin({ public_url: 'https://dcv.example.com', hostnames: ['x'], director_port: 8445 })).toBe('https://dcv.example.com');
    expect(publicOrigin({ public_url: '', hostnames: ['dcv.lan'], director_port: 8445 })).toBe('https://dcv.lan:8445');
    expect(publicOrigin({ public_url: '', hostnames: [], director_port: 443 })).toBe(`https://${hostname().toLowerCase()}`);
  });
});
