import { describe, expect, test } from 'bun:test';
import { verifierProblem, verifierTargets } from './dcv-check.ts';

const targets = verifierTargets(['dcvix-director', 'Director.Example.com', '10.0.0.5'], [8445, 443, 0], ['https://dcv.example.com', 'https://peer-2:8445']);
const check = (verifier?: string) => ({ source: '/etc/dcv/dcv.conf', ...(verifier ? { verifier } : {}) });

describe('verifier verdict', () => {
  test('ok: our names on our ports, public_url, a peer director, host name case, default port 443', () => {
    for (const url of [
      'https://dcvix-director:8445/v1/user/authtokenverify',
      'https://director.example.com:8445/v1/user/authtokenverify',
      'https://DIRECTOR.example.com/v1/user/authtokenverify',
      'https://10.0.0.5:443/v1/user/authtokenverify',
      'https://dcv.example.com/v1/user/authtokenverify',
      'https://peer-2:8445/v1/user/authtokenverify',
    ])
      expect([url, verifierProblem(check(url), targets)]).toEqual([url, undefined]);
  });

  test('rejects: another host, another port, plain http, a wrong path, not set, not a URL', () => {
    expect(verifierProblem(check('http://old-broker:8444'), targets)).toBe('auth-token-verifier points at http://old-broker:8444');
    expect(verifierProblem(check('https://dcvix-director:9999/v1/user/authtokenverify'), targets)).toMatch(/points at/);
    expect(verifierProblem(check('http://dcvix-director:8445/v1/user/authtokenverify'), targets)).toMatch(/points at/);
    expect(verifierProblem(check('https://dcvix-director:8445/verify'), targets)).toMatch(/not at the verifier path/);
    expect(verifierProblem(check(), targets)).toMatch(/not set in \/etc\/dcv\/dcv.conf/);
    expect(verifierProblem(check('old-broker'), targets)).toMatch(/not a URL/);
  });

  test('ok: settings that could not be read are not judged', () => {
    expect(verifierProblem({ source: '/etc/dcv/dcv.conf', readError: 'ENOENT' }, targets)).toBeUndefined();
  });
});

describe('verifier judge', () => {
  test('ok: the bound port counts, a cluster peer counts, the peer list is re-read after 10 s', async () => {
    const { dcvCheckJudge } = await import('./dcv-check.ts');
    let now = 0;
    let listed = 0;
    const peers = [['dir-a:8445']];
    const judge = dcvCheckJudge({ names: () => ['localhost'], ports: () => [40001], origins: [], peers: async () => (listed++, peers.at(-1)!), now: () => now });
    expect((await judge(check('https://localhost:40001/v1/user/authtokenverify'))).problem).toBeUndefined();
    expect((await judge(check('https://dir-a:8445/v1/user/authtokenverify'))).problem).toBeUndefined();
    peers.push(['dir-b:8445']);
    expect((await judge(check('https://dir-b:8445/v1/user/authtokenverify'))).problem).toBe('auth-token-verifier points at https://dir-b:8445/v1/user/authtokenverify');
    now = 10_000;
    expect((await judge(check('https://dir-b:8445/v1/user/authtokenverify'))).problem).toBeUndefined();
    expect(listed).toBe(2);
  });
});
