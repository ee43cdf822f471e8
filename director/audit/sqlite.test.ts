import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { openDatabase } from '../store/db.ts';
import { createSqliteAuditLog } from './sqlite.ts';

describe('sqlite audit log', () => {
  test('ok: records events and lists them newest first with filters', () => {
    const clock = new FakeClock(1_000_000);
    const audit = createSqliteAuditLog(openDatabase(':memory:'), clock);
    audit.record({ type: 'login', actor: 'alice', clientAddress: '10.0.0.1', backend: 'ldap', outcome: 'failure', detail: 'invalid credentials' });
    clock.advance(1000);
    audit.record({ type: 'login', actor: 'alice', clientAddress: '10.0.0.1', backend: 'ldap', outcome: 'success' });
    clock.advance(1000);
    audit.record({ type: 'agent.approve', actor: 'admin', target: 'guid-1', outcome: 'success' });

    expect(audit.list().map((e) => e.type)).toEqual(['agent.approve', 'login', 'login']);
    expect(audit.list({ type: 'login', outcome: 'success' })).toEqual([
      { id: 2, at: 1_001_000, type: 'login', actor: 'alice', clientAddress: '10.0.0.1', backend: 'ldap', outcome: 'success' },
    ]);
    expect(audit.list({ actor: 'admin' })).toHaveLength(1);
    expect(audit.list({ since: 1_001_000 })).toHaveLength(2);
    expect(audit.list({ limit: 1 })).toHaveLength(1);
  });
});
