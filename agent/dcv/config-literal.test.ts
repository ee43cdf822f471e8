import { describe, expect, test } from 'bun:test';
import { looksTyped, typedConfigValue } from './config-literal.ts';

describe('typedConfigValue', () => {
  test('ok: strings quoted, numbers and booleans bare, tuples parenthesised', () => {
    expect(typedConfigValue('debug')).toBe("'debug'");
    expect(typedConfigValue(8443)).toBe('8443');
    expect(typedConfigValue(true)).toBe('true');
    expect(typedConfigValue([30, 80])).toBe('(30,80)');
    expect(typedConfigValue(['a', 1])).toBe("('a',1)");
  });

  test('rejects: quotes inside strings, newlines, non-finite and negative numbers', () => {
    expect(() => typedConfigValue("it's")).toThrow();
    expect(() => typedConfigValue('a\nb')).toThrow();
    expect(() => typedConfigValue(Number.POSITIVE_INFINITY)).toThrow();
    expect(() => typedConfigValue(-1)).toThrow();
  });

  test('ok: looksTyped recognises the literal forms', () => {
    expect(["'debug'", '(30,80)', '8443', '0.5', 'true', 'false'].every(looksTyped)).toBe(true);
    expect(['debug', "'open", '1e3'].some(looksTyped)).toBe(false);
  });
});
