/**
 * PrivacyIDEA second factor: POST {url}/validate/check with user, pass (the OTP) and realm; accepted
 * only when result.status and result.value are both true. A PrivacyIDEA challenge (e.g. push) is not
 * supported here: it counts as "not accepted". TLS to the server may pin a CA file.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../shared/config-schema.ts';
import type { Logger } from '../../shared/log.ts';
import type { OtpVerifier } from '../auth/types.ts';

export interface PrivacyIdeaConfig {
  readonly url: string;
  readonly realm: string;
  readonly ca_file: string;
  readonly timeout: number;
}

interface CheckAnswer {
  result?: { status?: unknown; value?: unknown; error?: { message?: unknown } };
}

/** The PrivacyIDEA verifier; `fetchImpl` is injectable for tests. */
export function createPrivacyIdeaVerifier(cfg: PrivacyIdeaConfig, log: Logger, fetchImpl: typeof fetch = fetch): OtpVerifier {
  if (!/^https?:\/\//.test(cfg.url)) throw new ConfigError('otp.privacyidea.url must be an http(s) URL');
  let ca: string | undefined;
  try {
    ca = cfg.ca_file ? readFileSync(cfg.ca_file, 'utf8') : undefined;
  } catch (err) {
    throw new ConfigError(`otp.privacyidea.ca_file: cannot read ${cfg.ca_file}: ${(err as Error).message}`);
  }
  const endpoint = `${cfg.url.replace(/\/+$/, '')}/validate/check`;
  const post = (body: Record<string, string>) =>
    fetchImpl(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(cfg.timeout),
      ...(ca ? { tls: { ca } } : {}),
    } as RequestInit);

  return {
    name: 'privacyidea',
    async verify(username, otp) {
      try {
        const res = await post({ user: username, pass: otp, ...(cfg.realm ? { realm: cfg.realm } : {}) });
        // Not JSON (a proxy's error page): read as no answer, which the next line logs and rejects.
        const answer = (await res.json().catch(() => ({}))) as CheckAnswer;
        if (answer.result?.status !== true) {
          log.warn('privacyidea request failed', { status: res.status, error: String(answer.result?.error?.message ?? '') });
          return false;
        }
        return answer.result.value === true;
      } catch (err) {
        log.warn('privacyidea unreachable', { error: err });
        return false;
      }
    },
    async health() {
      try {
        const res = await fetchImpl(cfg.url, { signal: AbortSignal.timeout(cfg.timeout), ...(ca ? { tls: { ca } } : {}) } as RequestInit);
        await res.body?.cancel();
        return { ok: true, detail: `HTTP ${res.status}` };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    },
  };
}
