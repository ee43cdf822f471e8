import { describe, expect, test } from 'bun:test';
import os from 'node:os';
import { matches } from '../../shared/api/model-check.ts';
import { HostInfo } from '../../shared/api/host-facts.ts';
import { parseOsRelease, readHostInfo } from './host-info.ts';

describe('host facts', () => {
  test('ok: NAME and VERSION_ID of os-release, quoted or not, other keys and comments ignored', () => {
    const text = '# comment\nNAME="Ubuntu"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n';
    expect(parseOsRelease(text)).toEqual({ name: 'Ubuntu', version: '22.04' });
    expect(parseOsRelease("NAME='Debian GNU/Linux'\nVERSION_ID=12\n")).toEqual({ name: 'Debian GNU/Linux', version: '12' });
    expect(parseOsRelease('')).toEqual({});
  });

  test('ok: family, kernel and machine from this host, name and version from os-release; the update model takes them', () => {
    const facts = readHostInfo((path) => (path === '/etc/os-release' ? 'NAME="Rocky Linux"\nVERSION_ID="9.3"\n' : undefined));
    expect(facts).toMatchObject({ osName: 'Rocky Linux', osVersion: '9.3', kernelVersion: os.release(), architecture: os.machine() });
    expect(facts.osFamily).toBe(os.platform() === 'linux' ? 'linux' : facts.osFamily);
    expect(matches(HostInfo, facts)).toBe(true);
  });

  test('rejects: what cannot be read is left out, never sent empty', () => {
    const facts = readHostInfo(() => undefined);
    expect(facts.osName).toBeUndefined();
    expect(facts.osVersion).toBeUndefined();
    expect(Object.values(facts).every((value) => typeof value === 'string' && value.length > 0)).toBe(true);
  });
});
