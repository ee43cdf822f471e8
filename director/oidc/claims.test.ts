import { describe, expect, test } from 'bun:test';
import { claimedGroups, refusalOf, usernameOf } from './claims.ts';

const rules = { usernameClaim: 'preferred_username', usernameFallbackClaim: 'email', groupsClaim: 'groups', allowedDomains: [], requiredClaims: {} };

describe('what the director takes from an ID token', () => {
  test('ok: the user name claim, else the fallback; groups as a list (one string counts as one group)', () => {
    expect(usernameOf({ preferred_username: 'erin', email: 'e@x.test' }, rules)).toBe('erin');
    expect(usernameOf({ email: 'e@x.test' }, rules)).toBe('e@x.test');
    expect(claimedGroups({ groups: ['a', 'b', 'a'] }, rules)).toEqual(['a', 'b']);
    expect(claimedGroups({ groups: 'solo' }, rules)).toEqual(['solo']);
    expect(claimedGroups({ groups: ['a'] }, { ...rules, groupsClaim: '' })).toEqual([]);
  });

  test('rejects: no usable name (missing, empty, control characters, padded, too long); unusable groups are dropped', () => {
    expect(usernameOf({}, rules)).toBeUndefined();
    expect(usernameOf({ preferred_username: '', email: 'a\nb' }, rules)).toBeUndefined();
    expect(usernameOf({ preferred_username: ' erin' }, { ...rules, usernameFallbackClaim: '' })).toBeUndefined();
    expect(usernameOf({ preferred_username: 'x'.repeat(129) }, { ...rules, usernameFallbackClaim: '' })).toBeUndefined();
    expect(claimedGroups({ groups: ['ok', 3, '', 'bad\u0000'] }, rules)).toEqual(['ok']);
    expect(claimedGroups({ groups: { a: 1 } }, rules)).toEqual([]);
  });

  test('ok: allowed domains and required claims admit matching tokens', () => {
    const strict = { ...rules, allowedDomains: ['example.com'], requiredClaims: { hd: 'example.com', roles: 'desktop' } };
    expect(refusalOf({ email: 'Erin@Example.com', hd: 'example.com', roles: ['desktop', 'x'] }, strict)).toBeUndefined();
    expect(refusalOf({}, rules)).toBeUndefined();
  });

  test('rejects: another domain, an unverified address, a missing or different required claim', () => {
    const domains = { ...rules, allowedDomains: ['example.com'] };
    expect(refusalOf({ email: 'erin@evil.test' }, domains)).toBe('email domain "evil.test" not allowed');
    expect(refusalOf({ email: 'erin@example.com.evil.test' }, domains)).toContain('not allowed');
    expect(refusalOf({}, domains)).toContain('not allowed');
    expect(refusalOf({ email: 'erin@example.com', email_verified: false }, domains)).toBe('email not verified');
    const required = { ...rules, requiredClaims: { hd: 'example.com' } };
    expect(refusalOf({}, required)).toBe('claim "hd" is not "example.com"');
    expect(refusalOf({ hd: 'other.com' }, required)).toBe('claim "hd" is not "example.com"');
    expect(refusalOf({ hd: ['other.com'] }, required)).toBe('claim "hd" is not "example.com"');
  });
});
