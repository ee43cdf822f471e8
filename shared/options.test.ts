import { expect, test } from 'bun:test';
import { checkOptions, type OptionKinds } from './options.ts';

interface Options {
  store: object | null;
  onRevoked?: unknown;
  limit: number;
}
const kinds: OptionKinds<Options> = { store: 'object', onRevoked: 'function?', limit: 'number' };

test('rejects: a missing or mistyped option names the component and the key; optional ones may be absent', () => {
  expect(checkOptions('Thing', { store: {}, limit: 3 }, kinds)).toEqual({ store: {}, limit: 3 });
  expect(() => checkOptions('Thing', { store: {}, limit: Number.NaN }, kinds)).toThrow('Thing: option "limit" must be a finite number >= 0');
  expect(() => checkOptions('Thing', { store: null, limit: 1 }, kinds)).toThrow('Thing: option "store" must be an object');
  expect(() => checkOptions('Thing', { store: {}, limit: 1, onRevoked: 'x' }, kinds)).toThrow('option "onRevoked" must be a function');
});
