import { describe, expect, test } from 'bun:test';
import type { ApiError } from '../errors.ts';
import { isPng, screenshotSize } from './screenshot.ts';

describe('screenshot size and format', () => {
  test('ok: 160x100 by default; each side from the query within 16..1920', () => {
    expect(screenshotSize({})).toEqual({ width: 160, height: 100 });
    expect(screenshotSize({ maxWidth: '320' })).toEqual({ width: 320, height: 100 });
    expect(screenshotSize({ maxWidth: '16', maxHeight: '1920' })).toEqual({ width: 16, height: 1920 });
    expect(screenshotSize({ maxHeight: '0050' })).toEqual({ width: 160, height: 50 });
  });

  test('rejects: sides outside 16..1920 or not whole numbers, as 400 INVALID_SCREENSHOT_SIZE', () => {
    for (const query of [{ maxWidth: '15' }, { maxHeight: '1921' }, { maxWidth: '' }, { maxWidth: '1.5' }, { maxHeight: '-20' }, { maxWidth: '1e3' }, { maxWidth: '99999' }]) {
      let caught: unknown;
      try {
        screenshotSize(query);
      } catch (err) {
        caught = err;
      }
      expect({ query, status: (caught as ApiError).status, code: (caught as ApiError).code }).toEqual({ query, status: 400, code: 'INVALID_SCREENSHOT_SIZE' });
    }
  });

  test('ok: a PNG is told by its signature; anything else is not one', () => {
    expect(isPng(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe(true);
    expect(isPng(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(false);
    expect(isPng(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0, 0]))).toBe(false);
  });
});
