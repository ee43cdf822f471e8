/**
 * When to renew: a fixed interval after the certificate was obtained (the specification: ~12 h) and at
 * the latest at two thirds of its lifetime, minus up to 10 % jitter so a fleet does not renew in step.
 * An expired certificate cannot be renewed over mTLS: the agent registers again (same GUID and key).
 */
export type RenewalDecision = { action: 'wait'; dueAt: number } | { action: 'renew' } | { action: 'register' };

export interface CertTimes {
  /** When this agent obtained the certificate (stored file's mtime). */
  obtainedAt: number;
  notBefore: number;
  notAfter: number;
}

export function renewalDueAt(t: CertTimes, intervalMs: number, jitter: number): number {
  const lifetime = t.notAfter - t.notBefore;
  const latest = t.notBefore + (lifetime * 2) / 3;
  const due = Math.min(t.obtainedAt + intervalMs, latest);
  return due - Math.min(intervalMs, lifetime / 3) * 0.1 * Math.min(Math.max(jitter, 0), 1);
}

export function decideRenewal(now: number, t: CertTimes, intervalMs: number, jitter: number): RenewalDecision {
  if (now >= t.notAfter) return { action: 'register' };
  const dueAt = renewalDueAt(t, intervalMs, jitter);
  return now >= dueAt ? { action: 'renew' } : { action: 'wait', dueAt };
}
