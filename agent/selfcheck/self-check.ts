/**
 * The DCV host self-check: DCV's `[security] auth-token-verifier` (from a DcvConfigSource) and the DCV
 * version (`dcv version`). The agent sends it in every update; the director judges the verifier and
 * keeps a host whose DCV asks someone else out of placement. The settings are read on every call (a
 * small file, and a fix shows at the next update); the version is asked of dcv once an hour at most.
 */
import { DCV_CHECK_ERROR_MAX, DCV_CHECK_URL_MAX, DCV_CHECK_WHERE_MAX, type DcvCheck } from '../../shared/api/dcv-check.ts';
import type { DcvConfigSource } from './dcv-conf.ts';

/** How long a `dcv version` answer is reused. */
const VERSION_REUSE_MS = 3_600_000;

/** One line of at most `max` characters without control characters, as the wire model takes it. */
const line = (text: string, max: number) => text.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, max);

export class DcvSelfCheck {
  private version: { text: string | undefined; at: number } | undefined;

  constructor(
    private readonly source: DcvConfigSource,
    /** `dcv version`; a failure leaves the version out (dcv not answering is DCV_UNAVAILABLE already). */
    private readonly askVersion: () => Promise<string>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The findings now. */
  async check(): Promise<DcvCheck> {
    const [settings, dcvVersion] = await Promise.all([this.readVerifier(), this.dcvVersion()]);
    return { source: line(this.source.where, DCV_CHECK_WHERE_MAX), ...settings, ...(dcvVersion ? { dcvVersion } : {}) };
  }

  private async readVerifier(): Promise<Pick<DcvCheck, 'verifier' | 'readError'>> {
    try {
      const verifier = (await this.source.read()).get('security', 'auth-token-verifier')?.trim();
      return verifier ? { verifier: line(verifier, DCV_CHECK_URL_MAX) } : {};
    } catch (err) {
      return { readError: line((err as Error).message || 'unreadable', DCV_CHECK_ERROR_MAX) };
    }
  }

  private async dcvVersion(): Promise<string | undefined> {
    const now = this.now();
    if (this.version && now - this.version.at < VERSION_REUSE_MS) return this.version.text;
    const text = await this.askVersion().catch(() => undefined);
    this.version = { text, at: now };
    return text;
  }
}
