import { statSync } from 'node:fs';
import type { SecureContext } from 'node:tls';
import type { Logger } from '../../shared/log.ts';
import { readPublicTls, type PublicTls } from '../config/public-tls.ts';

export interface PublicCertificateOptions {
  certFile: string;
  keyFile: string;
  /** The director's CA: client certificates sent on a public name are still checked against it. */
  clientCa: string;
  /** How often the files are looked at (size, time, inode of each, links followed). */
  checkIntervalMs: number;
  /** Called with the new certificate after each successful reload. */
  onChange: (tls: PublicTls) => void;
  log: Logger;
}

/**
 * The site's own certificate for browsers, kept current: re-read when either file changes (an ACME
 * client's renewal replaces them, often through symlinks, so the files are stat()ed rather than
 * watched) and on reload() (SIGHUP). A file pair that does not load (a half-written renewal, a key of
 * another certificate) is logged and the certificate in use stays.
 */
export class PublicCertificate {
  private tls: PublicTls;
  private stamp: string;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly o: PublicCertificateOptions) {
    this.tls = readPublicTls(o.certFile, o.keyFile, o.clientCa);
    this.stamp = this.fileStamp();
  }

  get current(): PublicTls {
    return this.tls;
  }

  /** The TLS context of the certificate in use (for SNI). */
  get context(): SecureContext {
    return this.tls.context;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.fileStamp() !== this.stamp) this.reload('the files changed');
    }, this.o.checkIntervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads the files again; a changed certificate is put in use. False when they did not load. */
  reload(why: string): boolean {
    const stamp = this.fileStamp();
    let fresh: PublicTls;
    try {
      fresh = readPublicTls(this.o.certFile, this.o.keyFile, this.o.clientCa);
    } catch (error) {
      this.stamp = stamp;
      this.o.log.error('public certificate reload failed; keeping the one in use', { why, error: (error as Error).message });
      return false;
    }
    this.stamp = stamp;
    if (fresh.cert === this.tls.cert && fresh.key === this.tls.key) return true;
    this.tls = fresh;
    this.o.onChange(fresh);
    this.o.log.info('public certificate reloaded', { why, file: this.o.certFile, subject: fresh.subject, notAfter: fresh.notAfter });
    return true;
  }

  private fileStamp(): string {
    return [this.o.certFile, this.o.keyFile]
      .map((file) => {
        try {
          const stat = statSync(file);
          return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }
}
