import { describe, expect, test } from 'bun:test';
import { silentLogger } from '../../shared/log.ts';
import type { AuditEvent } from '../audit/types.ts';
import { type headerAuthSchema, headerName } from '../config/header-auth-schema.ts';
import { cidrs } from '../config/typed-fields.ts';
import { checkHeaderAuthConfig, createHeaderAuth, splitGroups } from './service.ts';

const settings = (over: Partial<Record<keyof typeof headerAuthSchema.section, unknown>> = {}) =>
  ({ user_header: 'x-forwarded-user', groups_header: 'x-groups', groups_separator: ',', trusted: cidrs('10.0.5.0/24', '::1'), ...over }) as Parameters<typeof checkHeaderAuthConfig>[0];

describe('header sign-in', () => {
  test('ok: header names are tokens kept in lower case; groups split, trimmed, deduplicated', () => {
    expect(headerName('X-Forwarded-User')).toBe('x-forwarded-user');
    expect(headerName('')).toBe('');
    for (const bad of ['X Forwarded', 'a:b', 5]) expect(() => headerName(bad)).toThrow();
    expect(splitGroups(' staff,gpu , staff,,', ',')).toEqual(['staff', 'gpu']);
    expect(splitGroups('a;b', ';')).toEqual(['a', 'b']);
    expect(splitGroups(null, ',')).toEqual([]);
  });

  test('rejects: a user header without trusted addresses, a groups header alone, an empty separator', () => {
    expect(() => checkHeaderAuthConfig(settings())).not.toThrow();
    expect(() => checkHeaderAuthConfig(settings({ user_header: '', groups_header: '', trusted: [] }))).not.toThrow();
    expect(() => checkHeaderAuthConfig(settings({ trusted: [] }))).toThrow(/auth\.header\.trusted/);
    expect(() => checkHeaderAuthConfig(settings({ user_header: '' }))).toThrow(/auth\.header\.groups_header/);
    expect(() => checkHeaderAuthConfig(settings({ groups_separator: '' }))).toThrow(/groups_separator/);
  });

  test('ok: trusted addresses only (IPv4 and IPv6 blocks); refusals are audited without trusting the name', () => {
    const events: AuditEvent[] = [];
    const auth = createHeaderAuth({
      config: settings(),
      audit: { record: (e) => void events.push(e) } as Parameters<typeof createHeaderAuth>[0]['audit'],
      log: silentLogger,
      groupsOf: (_user, groups) => [...groups],
      isAdmin: (user) => user === 'root',
    });
    const headers = new Headers({ 'x-forwarded-user': 'alice', 'x-groups': 'staff' });
    expect(auth.signIn({ headers, clientAddress: '10.0.5.7', role: 'user' })).toEqual({ user: 'alice', role: 'user', groups: ['staff'] });
    expect(auth.signIn({ headers, clientAddress: '::1', role: 'user' }).user).toBe('alice');
    expect(() => auth.signIn({ headers, clientAddress: '10.0.6.7', role: 'user' })).toThrow(expect.objectContaining({ code: 'HEADER_AUTH_UNTRUSTED' }));
    expect(() => auth.signIn({ headers, clientAddress: '', role: 'user' })).toThrow(expect.objectContaining({ code: 'HEADER_AUTH_UNTRUSTED' }));
    expect(() => auth.signIn({ headers: new Headers({ 'x-forwarded-user': 'a\u0001b' }), clientAddress: '10.0.5.7', role: 'user' })).toThrow(expect.objectContaining({ code: 'HEADER_AUTH_MISSING' }));
    expect(() => auth.signIn({ headers, clientAddress: '10.0.5.7', role: 'admin' })).toThrow(expect.objectContaining({ code: 'NOT_ADMIN' }));
    expect(events.map((e) => [e.outcome, e.actor, e.detail])).toEqual([
      ['success', 'alice', 'role=user'],
      ['success', 'alice', 'role=user'],
      ['failure', undefined, 'role=user; not from a trusted proxy; header named "alice"'],
      ['failure', undefined, 'role=user; not from a trusted proxy; header named "alice"'],
      ['failure', undefined, 'role=user; no valid user header'],
      ['failure', 'alice', 'role=admin; not an admin'],
    ]);
  });
});
