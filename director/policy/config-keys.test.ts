import { describe, expect, test } from 'bun:test';
import { DEFAULT_USER_CONFIG, listAllows, neverUserSettable, refusedConfigKey, splitConfigKeyEntry } from './config-keys.ts';

describe('dcv.conf keys users may set', () => {
  test('rejects: the sections that run or secure the host, sub-sections included, whatever the key', () => {
    for (const [section, key] of [
      ['security', 'auth-token-verifier'],
      ['security', 'authentication'],
      ['security', '*'],
      ['connectivity', 'web-port'],
      ['connectivity', 'idle-timeout'],
      ['license', 'license-file'],
      ['log', 'level'],
      ['session-management', 'virtual-session-xdcv-args'],
      ['session-management/automatic-console-session', 'owner'],
      ['session-management/defaults', 'permissions-file'],
    ] as const) {
      expect([section, key, neverUserSettable(section, key)]).toEqual([section, key, expect.stringContaining(`section ${section.split('/')[0]}`)]);
    }
  });

  test('rejects: keys about ports, listeners, authentication, certificates, files or commands in any section', () => {
    for (const key of ['quic-port', 'web-listen-endpoints', 'auth-token-verifier', 'ca-file', 'certificate', 'storage-root', 'web-url-path', 'log-level', 'source_profile']) {
      expect([key, neverUserSettable('display', key)]).toEqual([key, expect.stringContaining('never user-settable')]);
    }
  });

  test('ok: image, clipboard and input knobs are not forbidden (the policy still has to list them)', () => {
    for (const [section, key] of [
      ['display', 'quality'],
      ['display', 'target-fps'],
      ['display', 'max-head-resolution'],
      ['display', 'enable-qu'],
      ['display/linux', 'enable-console-scaling'],
      ['clipboard', 'max-text-len'],
      ['input', 'enable-relative-mouse'],
      ['display', '*'],
      ['constructor', 'quality'],
    ] as const) {
      expect([section, key, neverUserSettable(section, key)]).toEqual([section, key, undefined]);
    }
    for (const entry of DEFAULT_USER_CONFIG) {
      const split = splitConfigKeyEntry(entry)!;
      expect(neverUserSettable(split.section, split.key)).toBeUndefined();
    }
  });

  test('ok: entries are section.key or section.*; anything else is not an entry', () => {
    expect(splitConfigKeyEntry('display.quality')).toEqual({ section: 'display', key: 'quality' });
    expect(splitConfigKeyEntry('display/linux.*')).toEqual({ section: 'display/linux', key: '*' });
    for (const bad of ['display', 'Display.quality', 'display.quality.x', '*.quality', 'display.', '.quality', 'display.qu*', 7, null]) {
      expect([bad, splitConfigKeyEntry(bad)]).toEqual([bad, undefined]);
    }
  });

  test('ok: section.* allows every key of that section only, not of its sub-sections', () => {
    expect(listAllows(['display.*'], 'display', 'target-fps')).toBe(true);
    expect(listAllows(['display.*'], 'display/linux', 'enable-console-scaling')).toBe(false);
    expect(listAllows(['display.quality'], 'display', 'target-fps')).toBe(false);
  });

  test('rejects: a request is judged whole; a never-settable key is named first even behind an allowed one', () => {
    const allowList = ['display.*'];
    expect(refusedConfigKey(allowList, [{ section: 'display', key: 'quality' }])).toBeUndefined();
    const refused = refusedConfigKey(allowList, [
      { section: 'clipboard', key: 'max-text-len' },
      { section: 'security', key: 'auth-token-verifier' },
    ]);
    expect([refused?.section, refused?.key]).toEqual(['security', 'auth-token-verifier']);
    // Even a list that somehow named it (the loader refuses that) does not let a user set it.
    expect(refusedConfigKey(['security.auth-token-verifier', 'display.*'], [{ section: 'security', key: 'auth-token-verifier' }])?.why).toContain('never user-settable');
    // `display.*` does not reach a key about ports.
    expect(refusedConfigKey(allowList, [{ section: 'display', key: 'web-port' }])?.why).toContain('never user-settable');
    expect(refusedConfigKey([], [{ section: 'display', key: 'quality' }])?.why).toContain('not on your allow-list for this server (empty)');
  });
});
