import { expect, test } from 'bun:test';
import { qrPath } from './qr.ts';

test('ok: an otpauth URI becomes one SVG path with a quiet zone', () => {
  const { size, d: path } = qrPath('otpauth://totp/dcvix:alice?secret=JBSWY3DPEHPK3PXP&issuer=dcvix');
  expect(size).toBeGreaterThanOrEqual(21 + 8);
  expect(path).toStartWith('M4 4h1v1h-1z'); // the top-left finder pattern starts inside the 4-module margin
  expect(path).not.toContain('NaN');
});
