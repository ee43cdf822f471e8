/**
 * What the agent tells the director about its platform in every update (optional keys the public Go
 * dcvix director ignores): DCV on Windows runs console sessions only, and Windows has no load average
 * (os.loadavg() is 0 there), so placement must read the host's CPU use instead.
 */

/** The update keys for a platform: none on Linux. */
export interface PlatformFacts {
  consoleOnly?: true;
  loadAverage?: false;
}

/** The facts of `platform` (default: this one). */
export function platformFacts(platform: NodeJS.Platform = process.platform): PlatformFacts {
  return platform === 'win32' ? { consoleOnly: true, loadAverage: false } : {};
}
