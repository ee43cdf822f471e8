import { expect, test } from 'bun:test';
import { parseJsonSafely } from './safe-json.ts';

test('rejects: trap keys are dropped, written plainly or with \\u escapes; other keys and values stay', () => {
  const parsed = parseJsonSafely('{"a": 1, "toString": "x", "nested": {"__proto__": {"p": 1}, "valueOf": 2, "b": [1, {"toJSON": 3}]}}');
  expect(parsed).toEqual({ a: 1, nested: { b: [1, {}] } });
  expect(parseJsonSafely('{"\\u0074oString": "x", "c": "\\u00e9"}')).toEqual({ c: 'é' });
  expect(parseJsonSafely('{"plain": "toString is just text here", "n": null}')).toEqual({ plain: 'toString is just text here', n: null });
  expect(() => parseJsonSafely('{"broken"')).toThrow();
});
