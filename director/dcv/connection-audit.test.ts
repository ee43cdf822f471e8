import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { silentLogger } from '../../shared/log.ts';
import type { AuditEvent } from '../audit/types.ts';
import { parseCidr } from '../net/cidr.ts';
import type { ConnectionAuditLog } from './connection-audit.ts';
import { dcvRoutes } from './routes.ts';

/** The DCV routes over fakes: one session ws0-s0 on ws0, a verifier that accepts only the token "good". */
function setup(gatewayAllow: string[]) {
  const recorded: AuditEvent[] = [];
  const audit: ConnectionAuditLog = { record: (event, describe) => void recorded.push(describe ? { ...event, detail: describe() } : event) };
  const app = dcvRoutes({
    tokens: { verify: async (token: string) => (token === 'good' ? { user: 'alice', reason: 'valid', jti: 'jti-1' } : { reason: 'token_invalid' }) } as never,
    state: { server: () => ({ id: 'ws0' }) } as never,
    findSession: async (id) => (id === 'ws0-s0' ? ({ id, owner: 'alice', serverId: 'ws0', orphaned: false } as never) : undefined),
    log: silentLogger,
    gatewayAllow: gatewayAllow.map(parseCidr),
    endpoint: () => ({ host: 'ws0', port: 8443, webUrlPath: '' }),
    audit,
  });
  return { app, recorded };
}

const form = (fields: Record<string, string>) =>
  new Request('http://localhost/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

describe('DCV connection audit', () => {
  test('ok: verifier answers: yes with the token id, no with the reason and a hash prefix of the token, never the token', async () => {
    const { app, recorded } = setup(['127.0.0.1/32']);
    await app.handle(form({ sessionId: 'ws0-s0', authenticationToken: 'good', clientAddress: '192.0.2.10' }));
    await app.handle(form({ sessionId: 'ws0-s0', authenticationToken: 'secret-bad-token' }));
    await app.handle(form({ sessionId: '--bad id', authenticationToken: '' }));
    const hash = createHash('sha256').update('secret-bad-token').digest('hex').slice(0, 12);
    expect(recorded).toEqual([
      { type: 'connection.verify', outcome: 'success', actor: 'alice', target: 'ws0-s0', clientAddress: '192.0.2.10', detail: 'yes: valid; token id jti-1; caller unknown' },
      { type: 'connection.verify', outcome: 'failure', target: 'ws0-s0', clientAddress: 'unknown', detail: `no: token_invalid; token sha256 ${hash}; caller unknown` },
      { type: 'connection.verify', outcome: 'failure', target: '--bad id', clientAddress: 'unknown', detail: 'no: malformed_request; no token; caller unknown' },
    ]);
    expect(JSON.stringify(recorded)).not.toContain('secret-bad-token');
  });

  test('rejects: a resolver call refused by the gateway check is audited with the session it asked for', async () => {
    const { app, recorded } = setup(['192.0.2.0/24']);
    const answer = await app.handle(new Request('http://localhost/resolveSession?sessionId=ws0-s0&clientIpAddress=198.51.100.1', { method: 'POST' }));
    expect(answer.status).toBe(403);
    expect(recorded).toEqual([{ type: 'connection.resolve', outcome: 'failure', target: 'ws0-s0', clientAddress: '198.51.100.1', detail: 'refused: GATEWAY_NOT_ALLOWED; caller unknown' }]);
  });
});
