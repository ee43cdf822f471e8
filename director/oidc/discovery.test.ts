import { describe, expect, test } from 'bun:test';
import type { Configuration } from 'openid-client';
import { ProviderDirectory } from './discovery.ts';
import type { OidcProvider } from './settings.ts';

const provider = { name: 'corp' } as OidcProvider;
const config = {} as Configuration;

describe('lazy provider discovery', () => {
  test('ok: concurrent asks share one discovery, and a success is kept', async () => {
    let runs = 0;
    const directory = new ProviderDirectory(async () => (runs++, config));
    expect(await Promise.all([directory.configuration(provider), directory.configuration(provider)])).toEqual([config, config]);
    expect(await directory.configuration(provider)).toBe(config);
    expect(runs).toBe(1);
  });

  test('rejects: a failure is not kept: the next ask tries again', async () => {
    let runs = 0;
    const directory = new ProviderDirectory(async () => {
      runs++;
      if (runs === 1) throw new Error('down');
      return config;
    });
    await expect(directory.configuration(provider)).rejects.toThrow('down');
    expect(await directory.configuration(provider)).toBe(config);
    expect(runs).toBe(2);
  });
});
