import { expect, test } from 'bun:test';
import { platformFacts } from './platform-facts.ts';

test('ok: a Windows agent reports console sessions only and no load average; a Linux agent reports neither key', () => {
  expect(platformFacts('win32')).toEqual({ consoleOnly: true, loadAverage: false });
  expect(platformFacts('linux')).toEqual({});
});
