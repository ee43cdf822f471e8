/** Filled in by scripts/build.ts for compiled binaries; "dev" when run from source. */
declare const DCVIX_VERSION: string | undefined;
declare const DCVIX_COMMIT: string | undefined;

export const VERSION = typeof DCVIX_VERSION === 'string' ? DCVIX_VERSION : '0.1.0-dev';
export const COMMIT = typeof DCVIX_COMMIT === 'string' ? DCVIX_COMMIT : 'unknown';
export const VERSION_TEXT = `${VERSION} (commit ${COMMIT})`;
